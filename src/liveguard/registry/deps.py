"""Typed access to the registry's services on the application context (verifier, robots)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends

from liveguard.notify import RobotSender
from liveguard.registry.verifiers import IdentityVerifier, build_verifier
from liveguard.settings import Settings
from liveguard.web.context import AppContext
from liveguard.web.deps import CtxDep

VERIFIER = "registry.verifier"
ROBOTS = "registry.robots"


def build_services(settings: Settings) -> dict[str, object]:
    """The registry services bootstrap puts on the context."""
    return {
        VERIFIER: build_verifier(settings),
        ROBOTS: RobotSender(settings.registry.webhook_timeout_seconds),
    }


def verifier_of(ctx: AppContext) -> IdentityVerifier:
    """The configured real-name verifier."""
    return cast(IdentityVerifier, ctx.services[VERIFIER])


def robots_of(ctx: AppContext) -> RobotSender:
    """The robot sender."""
    sender = ctx.services[ROBOTS]
    assert isinstance(sender, RobotSender)
    return sender


def get_verifier(ctx: CtxDep) -> IdentityVerifier:
    """FastAPI dependency for the verifier."""
    return verifier_of(ctx)


VerifierDep = Annotated[IdentityVerifier, Depends(get_verifier)]
