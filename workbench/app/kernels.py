"""The Voila server's kernel manager: a page's kernel ends soon after its page is gone.

Voila starts a kernel (a Python process of 300–400 MB) for every page view. Its page asks
the server to shut that kernel down when it unloads, with a beacon that Voila 0.5 refuses
for want of an XSRF cookie the page never receives (voila-dashboards/voila#1458; the
server logs "403 POST /voila/api/shutdown/…"), and a browser that crashes or loses the
network sends nothing at all: kernels outlived their pages. The server does see the page's
websocket close, though. :class:`PageKernelManager` shuts a kernel down once it has had no
connection for ``disconnect_grace`` seconds, long enough for the browser to reconnect
after a network blip.

What it does not cover is left to jupyter_server's idle culling (``cull_idle_timeout``,
``cull_interval``): a kernel whose page never connected (closed while loading). Kernels
waiting in Voila's preheated pool have never had a connection either; Voila's own manager
keeps culling away from them. All of it is configured in the repository's ``voila.json``
(see docs/app.md).

Used by the Voila server process, never by a kernel: ``voila.json`` names it as
``VoilaConfiguration.multi_kernel_manager_class``.
"""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import IOLoop
from traitlets import Float


class PageKernelManager(AsyncMappingKernelManager):
    """Kernels that end ``disconnect_grace`` seconds after their last connection closed."""

    disconnect_grace = Float(
        15.0,
        config=True,
        help="""Seconds a kernel is kept after its last websocket connection closed (its page was
        closed, reloaded or lost its network), so that a page that reconnects finds it; then it is
        shut down. 0 or less: never on that account (idle culling only).""",
    )

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._ending: dict[str, object] = {}  # kernel id -> the IOLoop timeout that ends it

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._cancel(kernel_id)

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        if self.disconnect_grace > 0 and self._kernel_connections.get(kernel_id) == 0:
            self._cancel(kernel_id)
            loop = IOLoop.current()
            self._ending[kernel_id] = loop.call_later(self.disconnect_grace, self._end_if_alone, kernel_id)

    async def shutdown_kernel(self, kernel_id: str, now: bool = False, restart: bool = False) -> None:
        self._cancel(kernel_id)
        await super().shutdown_kernel(kernel_id, now=now, restart=restart)

    def _cancel(self, kernel_id: str) -> None:
        timeout = self._ending.pop(kernel_id, None)
        if timeout is not None:
            IOLoop.current().remove_timeout(timeout)

    async def _end_if_alone(self, kernel_id: str) -> None:
        self._ending.pop(kernel_id, None)
        if kernel_id not in self or self._kernel_connections.get(kernel_id, 0) > 0:
            return  # gone already, or its page came back
        self.log.info("Shutting down kernel %s: its page has been gone for %.0f s", kernel_id, self.disconnect_grace)
        await self.shutdown_kernel(kernel_id)
