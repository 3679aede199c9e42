"""The program's settings: validated, versioned, never edited in place.

Saving settings adds a version; every award records the version that produced it, so an old
order's points can always be explained by the rules that were in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.program import Problem, Program
from walaa.program_document import ProgramDocumentError, load_program
from walaa.program_document.achievements import achievement_catalog_problems
from walaa.program_document.games import catalog_problems
from walaa.service.ports import (
    Clock,
    EarningRepository,
    GivingRepository,
    ProgramSource,
    UnitOfWork,
)


@dataclass(frozen=True, slots=True)
class ProgramVersion:
    program: Program
    source: str
    created_at: datetime
    author: str | None = None
    note: str | None = None


#: The note of a version that returned to an earlier one: ``returned_to:3``. A key rather than
#: a sentence, so each reader shows it in their own language.
RETURNED_TO = "returned_to:"


@lru_cache(maxsize=256)
def _load(source: str, version: int) -> Program:
    """Parsing and checking a document costs milliseconds; every order needs the program."""
    return load_program(source, version=version)


def validate_program(source: str) -> Program:
    """Every problem of a document at once, or the program it describes."""
    return load_program(source, version=1)


def check_catalog(uow: UnitOfWork, store_id: str, program: Program) -> None:
    """Game prizes, achievements and referral rewards name rewards of the store's catalog,
    inside an open unit of work."""
    policy = program.referrals
    names_rewards = policy is not None and bool(
        policy.advocate.reward_id or policy.friend.reward_id
    )
    if (
        not program.games
        and not any(a.reward_id for a in program.achievements)
        and not names_rewards
    ):
        return
    catalog = {reward.id: reward.active for reward, _ in uow.rewards(store_id).list_rewards()}
    problems = catalog_problems(program.games, catalog)
    problems += achievement_catalog_problems(program.achievements, catalog)
    for side, grant in (("advocate", policy.advocate), ("friend", policy.friend)) if policy else ():
        if grant.reward_id is not None and not catalog.get(grant.reward_id):
            reason = f"no active reward {grant.reward_id!r} in the catalog; POST /v1/rewards first"
            problems.append(Problem(("referrals", side, "reward"), reason))
    if problems:
        raise ProgramDocumentError(problems)


def validate_for_store(uow: UnitOfWork, store_id: str, source: str) -> Program:
    """A document's problems as `validate_program` finds them, and then the ones only the
    store can tell (a prize naming a reward its catalog does not have)."""
    program = validate_program(source)
    with uow:
        if uow.stores.get(store_id) is None:
            raise NotFound(f"store {store_id!r} does not exist")
        check_catalog(uow, store_id, program)
    return program


def apply_program(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    source: str,
    *,
    author: str | None = None,
    note: str | None = None,
) -> ProgramVersion:
    """Save a document as the store's next program version, if it is sound; ``author`` is
    who saved it (a staff member), kept with the version for its history."""
    validate_program(source)  # fail before taking any lock
    with uow:
        store = uow.stores.get(store_id)
        if store is None:
            raise NotFound(f"store {store_id!r} does not exist")
        repo = uow.earning(store_id)
        latest = repo.latest_program()
        if latest is not None and latest.source == source:
            # Saving the same document again (a retried request) is not a new version.
            return _version_of(latest)
        version = (latest.version if latest else 0) + 1
        program = _load(source, version)
        if program.currency != store.currency:
            raise ValidationFailed(
                "currency", f"the store keeps its books in {store.currency}, not {program.currency}"
            )
        _check_causes(uow.giving(store_id), program)
        check_catalog(uow, store_id, program)
        now = clock.now()
        for game in program.games:  # each game's first seed is committed to before any play
            uow.games(store_id).current_seed(game.id, now)
        repo.add_program(version, source, now, author=author, note=note)
        uow.commit()
    return ProgramVersion(program, source, now, author, note)


def _version_of(stored: ProgramSource) -> ProgramVersion:
    program = _load(stored.source, stored.version)
    return ProgramVersion(program, stored.source, stored.created_at, stored.author, stored.note)


def _check_causes(repo: GivingRepository, program: Program) -> None:
    """A program's giving needs somewhere to give: its fixed cause, or the store's default."""
    policy = program.giving
    if policy is None:
        return
    if policy.cause is not None:
        found = repo.get_cause(policy.cause)
        if found is None or not found.active:
            raise ValidationFailed(
                "giving.cause", f"no active cause {policy.cause!r}; POST /v1/causes first"
            )
    elif repo.default_cause() is None:
        raise ValidationFailed(
            "giving.cause", "name a cause, or make one of the store's causes the default"
        )


def current_program(repo: EarningRepository) -> Program | None:
    """The latest program read and parsed from its document, inside an open unit of work; None
    before any was saved. Handlers ask `in_force` instead, which builds from this once per
    settings stamp per process."""
    latest = repo.latest_program()
    return _load(latest.source, latest.version) if latest else None


#: What a read of a store's program answers before the store saved one.
NO_PROGRAM = "this store has no program yet; PUT /v1/program or `walaa program apply`"


def get_program(uow: UnitOfWork, store_id: str) -> ProgramVersion:
    """The latest version with its document; `in_force.saved_program` when only the parsed
    program is wanted (it does not read the document again)."""
    with uow:
        latest = uow.earning(store_id).latest_program()
    if latest is None:
        raise NotFound(NO_PROGRAM)
    return _version_of(latest)
