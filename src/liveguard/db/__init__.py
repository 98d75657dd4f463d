"""Persistence core: declarative base, engine, UnitOfWork, column types, outbox tables."""

from liveguard.db.base import Base, TimestampedMixin
from liveguard.db.engine import Database
from liveguard.db.types import new_id
from liveguard.db.uow import UnitOfWork

__all__ = ["Base", "Database", "TimestampedMixin", "UnitOfWork", "new_id"]
