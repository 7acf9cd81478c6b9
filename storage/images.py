"""Archived images, stored once by content hash."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.models import ImageRow


def save_image(
    session: Session, *, sha256: str, content_type: str, data: bytes, now: datetime
) -> None:
    """Store an image unless the same bytes are stored already."""
    if session.get(ImageRow, sha256) is None:
        session.add(
            ImageRow(
                sha256=sha256,
                content_type=content_type,
                size=len(data),
                data=data,
                first_seen_at=now,
            )
        )
        session.flush()


def get_image(session: Session, *, sha256: str) -> ImageRow | None:
    """Return an archived image by its hash."""
    return session.get(ImageRow, sha256)
