"""Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe).

No WebDriver and no Python package beyond the standard library: Chromium reads commands from its
file descriptor 3 and writes answers and events to 4, each message JSON ended by a NUL byte."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

# Without the background-networking flags Chromium keeps dialling out, and this closed network refuses it.
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--disable-default-apps', '--disable-extensions', '--mute-audio', '--hide-scrollbars']


def find_chromium():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(Exception):
    pass


class Chromium:
    """One browser with one page; commands are answered in order, events are kept until waited for."""

    def __init__(self, binary, width=1280, height=900, timeout=60):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix='chromium-profile-')
        commands_in, commands_out = os.pipe()  # we write commands_out; Chromium reads fd 3
        answers_in, answers_out = os.pipe()  # Chromium writes fd 4; we read answers_in
        # high numbers first, so moving them to 3 and 4 in the child cannot overwrite one another
        child_in = fcntl.fcntl(commands_in, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(answers_out, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(commands_in)
        os.close(answers_out)

        def pipes():
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.log = open(os.path.join(self.profile, 'chromium.log'), 'w+')
        self.process = subprocess.Popen(  # pylint: disable=subprocess-popen-preexec-fn
            [binary] + FLAGS + ['--user-data-dir=%s' % self.profile, '--remote-debugging-pipe',
                                '--window-size=%d,%d' % (width, height), 'about:blank'],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, close_fds=False, preexec_fn=pipes)
        os.close(child_in)
        os.close(child_out)
        self.writer, self.reader = commands_out, answers_in
        self.buffer, self.events, self.next_id, self.session = b'', [], 0, None
        target = self.send('Target.createTarget', url='about:blank')['targetId']
        self.session = self.send('Target.attachToTarget', targetId=target, flatten=True)['sessionId']
        self.send('Page.enable')
        self.send('Runtime.enable')
        self.viewport(width, height)

    # -- the protocol
    def _read(self, deadline):
        while b'\0' not in self.buffer:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.reader], [], [], left)[0]:
                raise BrowserError('Chromium did not answer in %d s; its log:\n%s' % (self.timeout, self._log()))
            chunk = os.read(self.reader, 1 << 20)
            if not chunk:
                raise BrowserError('Chromium closed the pipe; its log:\n%s' % self._log())
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b'\0', 1)
        return json.loads(message)

    def _log(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-4000:]

    def send(self, method, session=True, **params):
        self.next_id += 1
        message = dict(id=self.next_id, method=method, params=params)
        if session and self.session:
            message['sessionId'] = self.session
        os.write(self.writer, json.dumps(message).encode() + b'\0')
        deadline = time.time() + self.timeout
        while True:
            answer = self._read(deadline)
            if answer.get('id') == self.next_id:
                if 'error' in answer:
                    raise BrowserError('%s: %s' % (method, answer['error']))
                return answer.get('result') or {}
            if 'method' in answer:
                self.events.append(answer)

    def wait_event(self, method):
        deadline = time.time() + self.timeout
        while True:
            for index, event in enumerate(self.events):
                if event['method'] == method:
                    return self.events.pop(index)
            self.events.append(self._read(deadline))

    # -- what a test does
    def viewport(self, width, height):
        self.send('Emulation.setDeviceMetricsOverride', width=width, height=height, deviceScaleFactor=1,
                  mobile=False)

    def open(self, url, ready='document.documentElement.dataset.ready === "1"'):
        """A fresh load of url (also when only its #fragment differs from the page shown)."""
        if url.split('#')[0] != 'about:blank':
            self.open('about:blank', ready=None)
        self.events = [e for e in self.events if e['method'] != 'Page.loadEventFired']
        self.send('Page.navigate', url=url)
        self.wait_event('Page.loadEventFired')
        if ready:
            self.wait_for(ready)

    def evaluate(self, expression):
        answer = self.send('Runtime.evaluate', expression=expression, returnByValue=True, awaitPromise=True)
        if 'exceptionDetails' in answer:
            raise BrowserError('%s: %s' % (expression[:80], json.dumps(answer['exceptionDetails'])[:2000]))
        return answer['result'].get('value')

    def wait_for(self, expression, seconds=None):
        deadline = time.time() + (seconds or self.timeout)
        while not self.evaluate(expression):
            if time.time() > deadline:
                raise BrowserError('not true after %d s: %s' % (seconds or self.timeout, expression))
            time.sleep(0.05)

    def key(self, key, code, key_code):
        for kind in ('keyDown', 'keyUp'):
            self.send('Input.dispatchKeyEvent', type=kind, key=key, code=code, windowsVirtualKeyCode=key_code,
                      nativeVirtualKeyCode=key_code, **(dict(text='\r') if kind == 'keyDown' and key == 'Enter'
                                                        else {}))

    def media(self, kind):
        self.send('Emulation.setEmulatedMedia', media=kind)

    def screenshot(self, path, full_page=False, max_height=12000, selector=None):
        """The viewport, the whole page (up to max_height pixels) or the box of one element."""
        params = dict(format='png')
        if selector:
            box = self.evaluate('(function(){var r=document.querySelector(%s).getBoundingClientRect();'
                                'return {x:r.left+scrollX,y:r.top+scrollY,width:r.width,height:r.height};})()'
                                % json.dumps(selector))
            params.update(captureBeyondViewport=True, clip=dict(box, scale=1))
        elif full_page:
            size = self.send('Page.getLayoutMetrics')['cssContentSize']
            params.update(captureBeyondViewport=True, clip=dict(x=0, y=0, width=size['width'], scale=1,
                                                                height=min(size['height'], max_height)))
        data = self.send('Page.captureScreenshot', **params)['data']
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as handle:
            handle.write(base64.b64decode(data))
        return path

    def close(self):
        try:
            self.send('Browser.close', session=False)
        except (BrowserError, OSError):
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for handle in (self.writer, self.reader):
            os.close(handle)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
