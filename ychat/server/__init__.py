"""The local server: YandexGPT's API as a WSGI app (``LocalAPI``), served by ``ychat serve``
and, in-process, by ``--local``. It keeps no request log and no unbounded state; the scripted
test double built on it is ``ychat.testing``."""

from ychat.server.app import LocalAPI
from ychat.server.engine import BadRequest, EchoEngine, Engine, Generation, Token

__all__ = ["BadRequest", "EchoEngine", "Engine", "Generation", "LocalAPI", "Token"]
