"""The application, wired once per process: settings, database, definitions, services.

The CLI builds one App in its group callback; a library user builds one the same way. Nothing
connects or reads files until the first service that needs it is used.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from definitions.machines import DefinitionError, MachineSpec, load_machines
from definitions.policies import Policy, PolicyError, load_policies
from workflow.clock import utc_now
from workflow.db.engine import Database
from workflow.errors import RectifyError
from workflow.identity import BOOTSTRAP, Actor, resolve
from workflow.machines import GUARDS, Machines
from workflow.settings import Settings

if TYPE_CHECKING:
    from notifications.render import Renderer


class App:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._actor: Actor | None = None

    def acting(self, *, actor: str | None = None, now: datetime | None = None) -> App:
        """The same application for another actor or moment (drills, the demo), sharing its
        database connection pool and definitions."""
        clone = App(
            replace(self.settings, actor=actor or self.settings.actor, now=now or self.settings.now)
        )
        for name in ("db", "machine_specs", "machines", "policies", "renderer"):
            if name in self.__dict__:
                clone.__dict__[name] = self.__dict__[name]
        return clone

    def now(self) -> datetime:
        """The clock every service uses; RECTIFY_NOW replaces it for drills and tests."""
        return self.settings.now or utc_now()

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.db_url)

    @cached_property
    def machine_specs(self) -> dict[str, MachineSpec]:
        try:
            return load_machines(self.settings.definitions_dir / "machines", GUARDS.keys())
        except DefinitionError as exc:
            # The problems themselves stay in English: they name YAML keys and values.
            raise RectifyError("definitions are invalid: {problems}", problems=str(exc)) from None

    @cached_property
    def machines(self) -> Machines:
        return Machines(self.machine_specs)

    @cached_property
    def policies(self) -> dict[str, Policy]:
        try:
            return load_policies(self.settings.definitions_dir / "policies")
        except PolicyError as exc:
            raise RectifyError(
                "escalation policies are invalid: {problems}", problems=list(exc.errors)
            ) from None

    @cached_property
    def renderer(self) -> Renderer:
        """Notice templates, compiled once per process (the user's folder first)."""
        from notifications.render import Renderer, TemplateProblem

        lang = self.settings.values.get("RECTIFY_NOTICE_LANG", "zh")
        if lang not in ("zh", "en"):
            raise RectifyError(
                "RECTIFY_NOTICE_LANG {lang!r} is not offered; use zh or en", lang=lang
            )
        try:
            return Renderer(lang=lang, user_folder=self.settings.templates_dir)
        except TemplateProblem as exc:
            raise RectifyError("notice templates: {problems}", problems=str(exc)) from None

    def validate_definitions(self) -> None:
        """Load the state machines and policies now, so their errors surface first."""
        _ = self.machines, self.policies

    def policy_names(self) -> set[str]:
        return set(self.policies)

    def ready_db(self, *, bootstrap_ok: bool = False) -> Database:
        """The database, checked to be at the schema this code expects, with the actor found
        among its registered people (`bootstrap_ok`: or anyone, while no office is)."""
        self.db.require_current_schema()
        self.actor(bootstrap_ok=bootstrap_ok)
        return self.db

    def actor(self, *, bootstrap_ok: bool = False) -> Actor:
        """Who acts (workflow.identity), found once per command."""
        if self._actor is None or (self._actor.role == BOOTSTRAP and not bootstrap_ok):
            settings = self.settings
            with self.db.read() as conn:
                self._actor = resolve(
                    conn,
                    mode=settings.identity,
                    given=settings.actor,
                    given_explicitly=settings.actor_given,
                    bootstrap_ok=bootstrap_ok,
                )
        return self._actor

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()
