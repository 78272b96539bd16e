"""Passkeys (WebAuthn credentials) and the one-time challenges behind them."""

from __future__ import annotations
