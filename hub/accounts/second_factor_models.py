"""A staff member's second factor: an authenticator app (TOTP) and recovery codes."""

from __future__ import annotations
