"""How far apart two texts are: the optimal string alignment distance (Damerau-Levenshtein
restricted so no substring is edited twice).

One edit is inserting, deleting or replacing a character, or swapping two neighbours:
"sara.ahmed" and "sarah.ahmed" are 1 apart, "amal" and "amla" 1 (a swap), "omar" and "noor" 3.
A swap counts once because a person inventing a second account most often slips a letter or
trades two; plain Levenshtein would count a swap as 2 and miss it at a threshold of 1.
"""

from __future__ import annotations


def edit_distance(first: str, second: str) -> int:
    """The number of single-character edits (swaps of neighbours included) between the two."""
    if first == second:
        return 0
    rows, cols = len(first) + 1, len(second) + 1
    table = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        table[i][0] = i
    for j in range(cols):
        table[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            cost = 0 if first[i - 1] == second[j - 1] else 1
            best = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and first[i - 1] == second[j - 2] and first[i - 2] == second[j - 1]:
                best = min(best, table[i - 2][j - 2] + 1)
            table[i][j] = best
    return table[-1][-1]
