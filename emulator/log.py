"""The request log: every request (and each inner $batch request) in memory and
appended to requests.jsonl. It never holds secrets, client assertions or tokens."""

from __future__ import annotations

import json
import re
import threading
import time
from urllib.parse import parse_qsl, urlencode

# Query parameters whose values are credentials (form bodies are never logged at all).
_SECRET_PARAMS = re.compile(r'(secret|assertion|token|password|code|key)', re.I)


def redact_query(raw_query):
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    return urlencode([(name, 'redacted' if _SECRET_PARAMS.search(name) else value) for name, value in pairs])


class RequestLog(object):

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.entries = []
        self.seq = 0

    def add(self, request, status):
        with self.lock:
            self.seq += 1
            entry = dict(seq=self.seq, time=time.time(), service=request.service, method=request.method,
                         path=request.path, query=redact_query(request.raw_query),
                         tenant=request.tenant['id'] if request.tenant else None,
                         client_id=request.claims.get('appid'), status=status, write=bool(request.write),
                         cmdlet=request.cmdlet, batch=request.batch)
            self.entries.append(entry)
            with open(self.path, 'a') as handle:
                handle.write(json.dumps(entry) + '\n')
            return entry

    def since(self, seq=0):
        with self.lock:
            return [dict(e) for e in self.entries if e['seq'] > seq]

    def clear(self):
        """Forget the entries in memory; seq keeps counting so `since` marks stay valid."""
        with self.lock:
            del self.entries[:]
