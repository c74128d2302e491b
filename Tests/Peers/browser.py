#!/usr/bin/env python3
"""A headless Chromium a test can drive, one JSON command per stdin line.

Chromium speaks the DevTools protocol over a pipe (--remote-debugging-pipe: it reads
NUL-terminated JSON on fd 3 and writes on fd 4), so nothing listens on a port and nothing
is fetched from the network. Each command line is {"id": N, "cmd": ..., ...}; each answer
is one stdout line {"id": N, "ok": true, "value": ...} or {"id": N, "ok": false, "error": ...}.

Commands:
  goto {url}                     navigate and wait for the load event
  eval {js}                      evaluate an expression (promises awaited), return its value
  click {selector}               click an element; with "navigates": true, wait for the next load
  fill {selector, value}         set a form field's value as typing would
  wait {js, timeout}             until the expression is truthy in the page (re-evaluated after
                                 every DOM change the page reports, and at least every 100 ms)
  screenshot {path, width, height, mobile}
  cookies                        the browser's cookies (to check HttpOnly and SameSite)
  quit
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self):
        exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not exe:
            raise SystemExit("chromium is not installed (apt-get install chromium; `make test` does)")
        self.profile = tempfile.mkdtemp(prefix="herald-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def wire():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        args = [
            exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-sync", "--disable-component-update",
            "--metrics-recording-only", "--password-store=basic", "--use-mock-keychain",
            "--hide-scrollbars", "--force-color-profile=srgb", "--lang=en-US",
            "--user-data-dir=" + self.profile, "about:blank",
        ]
        self.proc = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=wire,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page.enable", "Runtime.enable", "Network.enable"):
            self.call(domain, session=True)
        self.viewport(1280, 900, False)

    # -- the wire ------------------------------------------------------------------------
    def send(self, message):
        data = json.dumps(message).encode() + b"\0"
        while data:
            n = os.write(self.to_chrome, data)
            data = data[n:]

    def read(self, timeout):
        """The next message from Chromium, or None after `timeout` seconds."""
        import select
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.from_chrome], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed its pipe (it crashed or exited)")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=False, timeout=30):
        self.next_id += 1
        mid = self.next_id
        message = {"id": mid, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.send(message)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"no answer to {method} in {timeout} s")
            m = self.read(left)
            if m is None:
                continue
            if m.get("id") == mid:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error'].get('message')}")
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["method"] == method:
                    del self.events[: i + 1]
                    return e
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"no {method} in {timeout} s")
            m = self.read(left)
            if m is not None and "method" in m:
                self.events.append(m)

    # -- commands ------------------------------------------------------------------------
    def evaluate(self, js):
        r = self.call("Runtime.evaluate", {"expression": js, "returnByValue": True, "awaitPromise": True}, session=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise RuntimeError("javascript: " + (d.get("exception", {}).get("description") or d.get("text", "error")))
        return r.get("result", {}).get("value")

    def goto(self, url):
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        r = self.call("Page.navigate", {"url": url}, session=True)
        if r.get("errorText"):
            raise RuntimeError(f"navigation to {url} failed: {r['errorText']}")
        self.wait_event("Page.loadEventFired")

    def click(self, selector, navigates):
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        found = self.evaluate(
            "(function(){var e=document.querySelector(%s); if(!e) return false; e.click(); return true;})()" % json.dumps(selector))
        if not found:
            raise RuntimeError(f"nothing matches {selector}")
        if navigates:
            self.wait_event("Page.loadEventFired")

    def fill(self, selector, value):
        ok = self.evaluate(
            "(function(){var e=document.querySelector(%s); if(!e) return false; e.focus(); e.value=%s;"
            "e.dispatchEvent(new Event('input',{bubbles:true})); e.blur(); return true;})()"
            % (json.dumps(selector), json.dumps(value)))
        if not ok:
            raise RuntimeError(f"nothing matches {selector}")

    def wait(self, js, timeout):
        # The page resolves the promise when the condition holds: a MutationObserver re-checks
        # after every DOM change, a 100 ms timer catches changes that are not DOM mutations.
        script = """new Promise(function(resolve){
          function ok(){ try { return !!(%s); } catch (e) { return false; } }
          if (ok()) return resolve(true);
          var o = new MutationObserver(function(){ if (ok()) { o.disconnect(); clearInterval(t); resolve(true); } });
          o.observe(document, {subtree:true, childList:true, attributes:true, characterData:true});
          var t = setInterval(function(){ if (ok()) { o.disconnect(); clearInterval(t); resolve(true); } }, 100);
        })""" % js
        try:
            r = self.call("Runtime.evaluate", {"expression": script, "awaitPromise": True, "returnByValue": True},
                          session=True, timeout=timeout)
        except RuntimeError as e:
            if "no answer" in str(e):
                raise RuntimeError(f"timed out after {timeout} s waiting for: {js}")
            raise RuntimeError(f"waiting for {js}: the page navigated or failed")
        if "exceptionDetails" in r:
            raise RuntimeError(f"waiting for {js}: the page navigated or failed")
        return True

    def viewport(self, width, height, mobile):
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}, session=True)

    def screenshot(self, path, width, height, mobile):
        self.viewport(width, height, mobile)
        # The whole page, not only what fits in the window.
        full = self.evaluate("Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)") or height
        r = self.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(int(full), 4000), "scale": 1}}, session=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
        self.viewport(1280, 900, False)

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    browser = Browser()
    print(json.dumps({"id": 0, "ok": True, "value": "ready"}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        c = json.loads(line)
        cmd, cid = c.get("cmd"), c.get("id")
        try:
            if cmd == "goto":
                browser.goto(c["url"]); value = None
            elif cmd == "eval":
                value = browser.evaluate(c["js"])
            elif cmd == "click":
                browser.click(c["selector"], bool(c.get("navigates", False))); value = None
            elif cmd == "fill":
                browser.fill(c["selector"], c["value"]); value = None
            elif cmd == "wait":
                value = browser.wait(c["js"], c.get("timeout", 30))
            elif cmd == "screenshot":
                browser.screenshot(c["path"], int(c.get("width", 1280)), int(c.get("height", 900)), bool(c.get("mobile", False))); value = None
            elif cmd == "cookies":
                value = browser.call("Network.getCookies", session=True).get("cookies", [])
            elif cmd == "quit":
                break
            else:
                raise RuntimeError(f"unknown command {cmd}")
            print(json.dumps({"id": cid, "ok": True, "value": value}), flush=True)
        except Exception as e:  # the test sees the reason, the browser stays up
            print(json.dumps({"id": cid, "ok": False, "error": str(e)}), flush=True)
    browser.close()


if __name__ == "__main__":
    main()
