#!/usr/bin/env python
"""What the strict body parser costs against FastAPI's default, on the bodies the API takes.

    python bench/json_body.py [--iterations 2000] [--repeats 7]

`walaa.entrypoints.http.body.parse` refuses duplicated keys, NaN/Infinity, deep nesting, text
that is not UTF-8 and strings no store can hold; the default (Starlette's `Request.json`) is
`json.loads(body)`. Both parse the same bytes back to back in each repeat, in alternating order,
and each side's best repeat counts, so a noisy neighbour moves the numbers more than the ratio.
Most of the extra is the duplicate-key hook (a pairs hook, even `dict` itself, makes the C
decoder build each object through Python); the depth and text checks run at C speed unless
the body is deep or holds an escape that could spell a control character. What matters is
the extra microseconds against a whole request (a few milliseconds for an order).
The bodies: a 10-line order (the common case), a 500-line order (the largest one order may
be), an order whose names are escaped (`\\u0634...`, as Python's json.dumps sends Arabic: the
parsed value is then walked for odd text) and a 200-item batch.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

from walaa.entrypoints.http.body import parse


def _order(lines: int, name: str = "Blue tee") -> dict[str, Any]:
    return {
        "id": "ord-5001",
        "customer_id": "amal",
        "placed_at": "2026-11-28T12:00:00+03:00",
        "currency": "SAR",
        "lines": [
            {
                "id": f"l{i}",
                "paid": "49.90",
                "quantity": 2,
                "sku": f"SKU-{i}",
                "product_id": name,
                "categories": ["apparel", "summer"],
                "tags": ["new"],
            }
            for i in range(lines)
        ],
    }


def bodies() -> dict[str, bytes]:
    event = {
        "kind": "event",
        "id": "e1",
        "customer_id": "amal",
        "type": "review",
        "occurred_at": "2026-11-28T12:00:00Z",
    }
    return {
        "order, 10 lines": json.dumps(_order(10), ensure_ascii=False).encode(),
        "order, 500 lines": json.dumps(_order(500), ensure_ascii=False).encode(),
        "order, escaped Arabic": json.dumps(_order(10, "قميص أزرق")).encode(),
        "batch, 200 events": json.dumps({"items": [event] * 200}).encode(),
    }


def _time(parser: Callable[[bytes], Any], body: bytes, iterations: int) -> float:
    started = time.perf_counter()
    for _ in range(iterations):
        parser(body)
    return (time.perf_counter() - started) / iterations


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--iterations", type=int, default=2000)
    args.add_argument("--repeats", type=int, default=7)
    options = args.parse_args(argv)
    print(f"python {platform.python_version()}, {options.iterations} parses x {options.repeats}")
    print(
        f"{'body':<24}{'bytes':>8}{'default µs':>12}{'strict µs':>12}{'extra µs':>10}{'ratio':>8}"
    )
    worst = 0.0
    for name, body in bodies().items():
        assert parse(body) == json.loads(body), name
        default, strict = [], []
        for repeat in range(options.repeats):
            sides = [(default, json.loads), (strict, parse)]
            for times, parser in sides if repeat % 2 == 0 else reversed(sides):
                times.append(_time(parser, body, options.iterations))
        ratio = min(strict) / min(default)
        worst = max(worst, ratio)
        print(
            f"{name:<24}{len(body):>8}{min(default) * 1e6:>12.1f}"
            f"{min(strict) * 1e6:>12.1f}{(min(strict) - min(default)) * 1e6:>10.1f}{ratio:>8.2f}"
        )
    print(f"strict / default, worst body: {worst:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
