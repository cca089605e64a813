// pcwatch serve's page script, loaded before textual-serve's textual.js (which it does not modify).
//
// - Reconnection: textual.js opens one websocket and, when it closes, marks the page "-closed" for good.
//   A close with code 1000 is the dashboard ending its session (the user quit): the page says so. Any
//   other close (the connection dropped, the server restarted) shows "reconnecting…", probes the page's
//   URL until the server answers, and reloads the page: a new session, filled from the shared journal.
//   A 403 means the server now has another token: the notice says to open the URL it printed.
// - Fonts: the terminal measures its font once, when textual.js starts it on window.onload; the start is
//   held until the bundled Roboto Mono is loaded (no font is fetched from any other host).
"use strict";

window.pcwatchPage = (function () {
  const NORMAL_CLOSE = 1000;
  const MAX_DELAY_MS = 10000;
  const NativeWebSocket = window.WebSocket;
  const state = { closes: [], attempts: 0, reconnecting: false };

  function detail(text) {
    const element = document.getElementById("pcwatch-reconnect-detail");
    if (element) element.textContent = text;
  }

  function headline(text) {
    const element = document.getElementById("pcwatch-reconnecting");
    if (element) element.textContent = text;
  }

  async function probe() {
    // The page's own URL (with its token, if it came with one), never cached.
    try {
      const response = await fetch(window.location.href, { method: "HEAD", cache: "no-store" });
      return response.status;
    } catch (error) {
      return 0; // not reachable (yet)
    }
  }

  async function reconnect() {
    if (state.reconnecting) return;
    state.reconnecting = true;
    document.body.classList.add("-reconnecting");
    let delay = 1000;
    for (;;) {
      state.attempts += 1;
      detail(`attempt ${state.attempts}…`);
      const status = await probe();
      if (status === 200) {
        headline("Reconnected: reloading…");
        window.location.reload();
        return;
      }
      if (status === 403) {
        headline("The server no longer accepts this page's token.");
        detail("pcwatch serve was restarted with a new token: open the URL it printed.");
        return;
      }
      detail(
        status === 0
          ? `the server is not answering; next try in ${Math.round(delay / 1000)} s (attempt ${state.attempts})`
          : `the server answered ${status}; next try in ${Math.round(delay / 1000)} s (attempt ${state.attempts})`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }

  // The websocket textual.js opens: the same, with its close observed.
  class ObservedWebSocket extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener("close", (event) => {
        state.closes.push(event.code);
        if (event.code !== NORMAL_CLOSE) reconnect();
      });
    }
  }
  window.WebSocket = ObservedWebSocket;

  function afterTextual() {
    const start = window.onload;
    window.onload = async (event) => {
      try {
        await document.fonts.load('16px "Roboto Mono"');
      } catch (error) {
        // The font could not load: the terminal falls back to the next monospace font.
      }
      if (typeof start === "function") start.call(window, event);
    };
  }

  return { afterTextual, state };
})();
