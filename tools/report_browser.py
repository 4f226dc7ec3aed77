#!/usr/bin/python3
"""Drives headless Chromium over the DevTools protocol (its --remote-debugging-pipe,
so nothing but the Python standard library is needed) through a node's pages:
the status page and the conformance report, then three levels of the report's
drill-down by clicking the first link of each page's jurisdictions.

    report_browser.py URL [--check] [--shots DIR] [--chromium PATH] [--width PX]

URL is the node's local API (http://127.0.0.1:PORT). On each report page,
after layout, --check asserts (exit 1 and every problem listed otherwise):
  - no element whose overflow is hidden (or clipped) has content wider or
    taller than its box (scrollWidth > clientWidth), and no block overflows
    its box where it cannot scroll; the page itself does not scroll sideways;
  - every text of every chart (SVG) lies inside its drawing, and no two tick
    labels of a chart overlap;
  - the breadcrumb names the jurisdiction clicked, one level deeper each time
    (national → province → city → county), and the page lists its rows.
--shots DIR writes status.png, report-national.png, report-1-province.png,
report-2-city.png and report-3-county.png (the top of each page).
Prints one line per page.
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile

LAYOUT_JS = r"""
(() => {
  const problems = [];
  const hidden = v => v === 'hidden' || v === 'clip';
  const scrolls = v => v === 'auto' || v === 'scroll';
  const name = el => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    const c = (el.getAttribute('class') || '').trim();
    if (c) s += '.' + c.split(/\s+/).join('.');
    const col = el.getAttribute('data-col');
    if (col) s += '[data-col=' + col + ']';
    let p = el.parentElement;
    while (p && !p.id) p = p.parentElement;
    if (p) s += ' in #' + p.id;
    return s;
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.display === 'inline' || cs.display === 'contents') continue;
    const wide = el.scrollWidth > el.clientWidth + 1;
    const tall = el.scrollHeight > el.clientHeight + 1;
    if ((hidden(cs.overflowX) && wide) || (hidden(cs.overflowY) && tall)) {
      problems.push(`${name(el)}: content ${el.scrollWidth}x${el.scrollHeight} in a box of ` +
                    `${el.clientWidth}x${el.clientHeight} with overflow hidden`);
    } else if (wide && !scrolls(cs.overflowX) && el.clientWidth > 0 && cs.display !== 'table') {
      problems.push(`${name(el)}: content ${el.scrollWidth} px wide overflows its box of ${el.clientWidth} px`);
    }
  }
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 1) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth} px in a window of ${window.innerWidth} px`);
  }
  let texts = 0, charts = 0;
  for (const svg of document.querySelectorAll('svg')) {
    const vb = svg.viewBox && svg.viewBox.baseVal;
    if (!vb || !vb.width) continue;
    ++charts;
    const boxes = [];
    for (const t of svg.querySelectorAll('text')) {
      ++texts;
      const b = t.getBBox();
      if (b.width === 0) continue;
      if (b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5 ||
          b.y + b.height > vb.y + vb.height + 0.5) {
        problems.push(`${name(svg)}: text "${t.textContent.slice(0, 40)}" at ` +
                      `${b.x.toFixed(1)},${b.y.toFixed(1)} ${b.width.toFixed(1)}x${b.height.toFixed(1)} is clipped ` +
                      `by the drawing 0,0 ${vb.width}x${vb.height}`);
      }
      if ((t.getAttribute('class') || '').split(/\s+/).includes('tick')) boxes.push([b, t.textContent]);
    }
    for (let i = 0; i < boxes.length; ++i) {
      for (let j = i + 1; j < boxes.length; ++j) {
        const [a, at] = boxes[i], [b, bt] = boxes[j];
        if (a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 &&
            b.y < a.y + a.height - 0.5) {
          problems.push(`${name(svg)}: labels "${at}" and "${bt}" overlap`);
        }
      }
    }
  }
  const crumbs = [...document.querySelectorAll('#breadcrumb li')].map(li => li.getAttribute('data-node') ||
      (li.querySelector('a') && li.querySelector('a').getAttribute('data-node')));
  const header = document.querySelector('#report-header');
  const drill = [...document.querySelectorAll('#table-subtrees a.drill')].map(a => a.getAttribute('data-node'));
  return {problems, texts, charts, crumbs, drill,
          jurisdiction: header ? header.getAttribute('data-jurisdiction') : null,
          rows: document.querySelectorAll('#table-subtrees tbody tr').length,
          origins: document.querySelectorAll('#table-origins tbody tr').length,
          height: root.scrollHeight};
})()
"""


class Browser:
    """One headless Chromium, spoken to over its DevTools pipe (fds 3 and 4)."""

    def __init__(self, chromium, width, height):
        self.next_id = 0
        self.events = []
        cmd_r, self.cmd_w = os.pipe()
        self.res_r, res_w = os.pipe()
        self.profile = tempfile.TemporaryDirectory(prefix="xf-chromium-")

        def fds():
            a, b = os.dup(cmd_r), os.dup(res_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--disable-background-networking", "--no-first-run", "--no-default-browser-check",
             "--hide-scrollbars", "--remote-debugging-pipe", f"--window-size={width},{height}",
             f"--user-data-dir={self.profile.name}", "about:blank"],
            preexec_fn=fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(res_w)
        self.buffer = b""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=True)

    def _read(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.res_r, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=False):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(message).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method):
        for i, m in enumerate(self.events):
            if m.get("method") == method:
                del self.events[: i + 1]
                return m
        while True:
            m = self._read()
            if m.get("method") == method:
                self.events.clear()
                return m

    def load(self, url):
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_event("Page.loadEventFired")

    def click_and_wait(self, expression):
        self.events.clear()
        ok = self.evaluate(f"(() => {{ const a = {expression}; if (!a) return false; a.click(); return true; }})()")
        if not ok:
            return False
        self.wait_event("Page.loadEventFired")
        return True

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluate: {r['exceptionDetails']}")
        return r["result"].get("value")

    def url(self):
        return self.evaluate("location.href")

    def screenshot(self, file, width, height):
        r = self.call("Page.captureScreenshot",
                      {"format": "png", "captureBeyondViewport": True,
                       "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}, session=True)
        with open(file, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.profile.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--shots")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=2000, help="height of each screenshot")
    a = ap.parse_args()
    if a.shots:
        os.makedirs(a.shots, exist_ok=True)
    b = Browser(a.chromium, a.width, 1000)
    problems = []
    try:
        b.load(a.url + "/")
        if a.shots:
            b.screenshot(os.path.join(a.shots, "status.png"), a.width, a.height)
        print(f"status page {a.url}/: {b.evaluate('document.title')}")
        b.load(a.url + "/report.html")
        names = ["national", "1-province", "2-city", "3-county"]
        path = []
        for depth, label in enumerate(names):
            info = b.evaluate(LAYOUT_JS)
            where = b.url()
            print(f"{label}: {where} — {info['rows']} rows, {info['origins']} origins listed, "
                  f"{info['charts']} charts with {info['texts']} texts, path {'>'.join(map(str, info['crumbs']))}, "
                  f"{info['height']} px")
            for p in info["problems"]:
                problems.append(f"{label} ({where}): {p}")
            if depth > 0:
                if info["jurisdiction"] != path[-1]:
                    problems.append(f"{label}: clicked {path[-1]} but the page is of {info['jurisdiction']}")
                if len(info["crumbs"]) != depth + 1 or info["crumbs"][-1] != path[-1]:
                    problems.append(f"{label}: breadcrumb {info['crumbs']} does not end one level down at {path[-1]}")
            if info["rows"] == 0:
                problems.append(f"{label}: no jurisdiction rows")
            if a.shots:
                shot = "report-national.png" if depth == 0 else f"report-{label}.png"
                b.screenshot(os.path.join(a.shots, shot), a.width, a.height)
            if depth + 1 < len(names):
                if not info["drill"]:
                    problems.append(f"{label}: no link one level down")
                    break
                path.append(info["drill"][0])
                b.click_and_wait(f"document.querySelector('#table-subtrees a.drill[data-node=\"{path[-1]}\"]')")
    finally:
        b.close()
    if a.check and problems:
        print("problems:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
