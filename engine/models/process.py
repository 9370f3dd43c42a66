"""Deployed diagram versions: immutable, numbered per process key, hashed, kept forever."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from engine.models.base import Base, BigId, JSONValue, intpk


class Deployment(Base):
    """One upload: the files as given, who deployed them and when."""

    __tablename__ = "deployments"

    id: Mapped[intpk]
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str] = mapped_column(String(150))
    files: Mapped[list[DeploymentFile]] = relationship(back_populates="deployment", lazy="selectin")
    versions: Mapped[list[ProcessVersion]] = relationship(back_populates="deployment")


class DeploymentFile(Base):
    __tablename__ = "deployment_files"
    __table_args__ = (UniqueConstraint("deployment_id", "name"),)

    id: Mapped[intpk]
    deployment_id: Mapped[int] = mapped_column(BigId, ForeignKey("deployments.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    deployment: Mapped[Deployment] = relationship(back_populates="files")


class ProcessVersion(Base):
    """A runnable version of one process. Never updated after insert; cases stay on the version they began on."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_key", "version"),)

    id: Mapped[intpk]
    process_key: Mapped[str] = mapped_column(String(255), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    deployment_id: Mapped[int] = mapped_column(BigId, ForeignKey("deployments.id"))
    source_file: Mapped[str] = mapped_column(String(255))
    # SpiffWorkflow's serialized spec and the specs of the sub-processes it calls, stored once per version.
    spec_json: Mapped[str] = deferred(mapped_column(Text))
    # Form JSON Schemas used by the user tasks, by file name.
    forms: Mapped[dict[str, Any]] = deferred(mapped_column(JSONValue, default=dict))
    lanes: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    created_at: Mapped[datetime]
    deployment: Mapped[Deployment] = relationship(back_populates="versions")

    @property
    def label(self) -> str:
        return f"{self.process_key} v{self.version}"

    @staticmethod
    def latest(process_key: str):
        return (
            select(ProcessVersion)
            .where(ProcessVersion.process_key == process_key)
            .order_by(ProcessVersion.version.desc())
            .limit(1)
        )
