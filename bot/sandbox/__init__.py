"""A local Telegram Bot API server with a control API for playing residents: the harness of the
test suite and of the offline demo (`linli sandbox` runs it on its own).
"""

from bot.sandbox.client import Resident, SandboxClient, SandboxError
from bot.sandbox.server import Sandbox, serve_forever

__all__ = ["Resident", "Sandbox", "SandboxClient", "SandboxError", "serve_forever"]
