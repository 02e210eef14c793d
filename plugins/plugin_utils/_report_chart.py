# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The page's chart of the client secrets' days left (SVG), one bar per tenant audited in this run,
from each tenant's secret (summary.tenants.TENANT.secret) and its secret.present control's typed
threshold (expected.days_left_at_least)."""

from __future__ import annotations

import html

from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_model import (
    NOT_ONBOARDED, TWO_YEARS, days_text, secret_note, threshold_of)

DUE = ('expired', 'over', 'soon')  # the chart's kinds of secret to rotate this month
# The chart's kinds: their legend and swatch colour, in the legend's order.
KINDS = (('expired', 'expired', '#4a148c'), ('over', 'below the threshold', '#c62828'),
         ('soon', 'within a month of it', '#b35c00'), ('ok', 'later', '#2e7d32'), ('none', 'no secret known', '#fff'))
NAMED_BARS = 40  # up to this many tenants, each bar is named below the chart
LISTED = 25  # the tenants to rotate this month named in the caption; the others counted


def _kind(secret, days, limit):
    state = secret['state'] if secret else None
    if state == 'expired':
        return 'expired'
    if days is None or state == 'missing':
        return 'none'
    if state == 'rotate':
        return 'over'
    return 'soon' if days < limit + 31 else 'ok'


def secret_days(order, summary, secret_controls):
    """[(tenant, days left or None, rotation threshold, kind, why not known, the secret or None)] in chart
    order: the unknown first, then by days left (the expired first). kind: expired, over (below the threshold,
    not expired: the control fails), soon (it gets there within a month), ok, or none (no secret known).
    secret_controls: {tenant: its secret.present control}."""
    marks = []
    for name in order:
        counts = summary['tenants'][name]
        secret = counts.get('secret')
        days = secret['days_left'] if secret else None
        threshold = threshold_of(secret_controls.get(name))
        why = None if days is not None else 'not read' if secret is None else \
            'not onboarded' if counts['status'] == NOT_ONBOARDED else \
            'expired' if secret['state'] == 'expired' else 'no secret'
        marks.append((name, days, threshold, _kind(secret, days, 30 if threshold is None else threshold), why,
                      secret))
    return sorted(marks, key=lambda m: (m[1] is not None, m[1] if m[1] is not None else 0, m[0]))


class _Frame(object):
    """Where the chart draws: its size, margins, the slot of each bar and the y of a number of days."""

    def __init__(self, marks):
        self.named = len(marks) <= NAMED_BARS
        self.width, self.left, self.right, self.top = 960, 44, 12, 14
        self.bottom = 80 if self.named else 34
        self.height = 200 + self.bottom
        self.base = self.height - self.bottom
        self.top_days = max([TWO_YEARS + 70] + [m[1] + 30 for m in marks if m[1] is not None])
        self.slot = (self.width - self.left - self.right) / float(max(1, len(marks)))
        self.bar_width = max(1.0, min(24.0, self.slot * 0.8))

    def y_of(self, days):
        return self.top + (self.base - self.top) * (1 - max(0, min(days, self.top_days)) / float(self.top_days))


def _bar(frame, index, mark):
    """The bar of one tenant, its label below (when the bars are named) and 'expired' above an expired one."""
    esc = html.escape
    name, days, _threshold, kind, why, secret = mark
    x = frame.left + index * frame.slot + (frame.slot - frame.bar_width) / 2
    end = (secret or {}).get('end_date_time')
    if days is None:
        label, y = '%s: %s' % (name, why), frame.base - 10
    elif days < 0:
        label, y = '%s: expired %s ago%s' % (name, days_text(-days), ' (ended %s)' % end[:10] if end else ''), \
            frame.base - 10
    else:  # visible even at 0
        label, y = '%s: %s left%s' % (name, days_text(days), ' (ends %s)' % end[:10] if end else ''), \
            min(frame.y_of(days), frame.base - 5)
    parts = ['<rect class="mark %s" data-tenant="%s" data-days="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f">'
             '<title>%s</title></rect>' % (kind, esc(name), '' if days is None else days, x, y, frame.bar_width,
                                           frame.base - y, esc(label))]
    if frame.named and kind == 'expired':  # said in words above the bar, not by its colour alone
        parts.append('<text class="halo exp" transform="translate(%.1f %.1f) rotate(-90)">expired</text>'
                     % (x + frame.bar_width / 2 + 3.5, y - 3))
    label = ('<text class="name" transform="translate(%.1f %d) rotate(-45)" text-anchor="end">%s</text>'
             % (x + frame.bar_width / 2 + 3, frame.base + 12, esc(name))) if frame.named else ''
    return ''.join(parts), label


def _band(frame, due):
    """The shaded band behind the bars to rotate this month, and the axis."""
    band = ''
    if due:
        first, last = min(d[0] for d in due), max(d[0] for d in due)
        expired = sum(1 for d in due if d[2] == 'expired')
        band = ('<rect class="band" x="%.1f" y="%d" width="%.1f" height="%d"/><text class="halo" x="%.1f" y="%d">'
                'rotate this month: %d%s</text>' % (frame.left + first * frame.slot, frame.top,
                                                    (last - first + 1) * frame.slot, frame.base - frame.top,
                                                    frame.left + first * frame.slot + 3, frame.top + 40, len(due),
                                                    ' (%d expired)' % expired if expired else ''))
    return band + '<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>' % (
        frame.left, frame.base, frame.width - frame.right, frame.base)


def _lines(frame, marks):
    """The axis' numbers, the 2-year line and the rotation thresholds, drawn over the bars."""
    parts = []
    for days in (0, 365, TWO_YEARS):
        parts.append('<text x="%d" y="%.1f" text-anchor="end">%d</text>'
                     % (frame.left - 4, frame.y_of(days) + 4, days))
    y = frame.y_of(TWO_YEARS)
    parts.append('<line class="line two" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/><text class="halo" x="%d" y="%.1f">'
                 '2 years (%d days)</text>' % (frame.left, frame.width - frame.right, y, y, frame.left + 4, y - 4,
                                               TWO_YEARS))
    for days in sorted(set(m[2] for m in marks if m[2] is not None)) or [30]:
        y = frame.y_of(days)
        parts.append('<line class="line rot" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/><text class="halo" x="%d" '
                     'y="%.1f" text-anchor="end">rotation threshold: %d days</text>'
                     % (frame.left, frame.width - frame.right, y, y, frame.width - frame.right - 4, y - 4, days))
    return ''.join(parts)


def _summary(marks, not_in_run):
    kinds = dict((kind, sum(1 for m in marks if m[3] == kind)) for kind, _text, _colour in KINDS)
    text = ('Client secret days left for %d tenant(s): %d expired, %d below the rotation threshold, %d to rotate '
            'within a month, %d later, %d without a known secret.'
            % (len(marks), kinds['expired'], kinds['over'], kinds['soon'], kinds['ok'], kinds['none']))
    if not_in_run:
        text += ' %d tenant(s) not in this run are not drawn.' % len(not_in_run)
    return text


def chart(marks, ids, not_in_run=()):
    """Days left of each tenant's secret as a bar, sorted, with the rotation threshold and the 2-year line;
    the tenants to rotate within a month on a shaded band, named below the chart with their days left and
    end dates, the expired first."""
    esc = html.escape
    frame = _Frame(marks)
    bars, labels, due = [], [], []
    for index, mark in enumerate(marks):
        drawn, label = _bar(frame, index, mark)
        bars.append(drawn)
        labels.append(label)
        if mark[3] in DUE:
            due.append((index, mark[0], mark[3], mark[5]))
    summary = _summary(marks, not_in_run)
    due.sort(key=lambda d: (d[2] != 'expired', d[0]))  # the expired first, then by days left
    listed = ', '.join('<a href="#%s">%s</a> (%s)' % (ids[n], esc(n), esc(secret_note(secret)))
                       for _index, n, _kind, secret in due[:LISTED]) + (
        ' and %d more' % (len(due) - LISTED) if len(due) > LISTED else '')
    legend = ''.join('<span><i class="sw" style="background:%s"></i>%s</span>' % (colour, text)
                     for _kind, text, colour in KINDS)
    return ('<figure id="expiry"><svg id="expiry-chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="%d" '
            'height="%d">%s<g class="marks">%s</g>%s%s<text x="%d" y="%d">tenants, sorted by days left (unknown '
            'first)</text><text x="10" y="%d" transform="rotate(-90 10 %d)" text-anchor="middle">days left</text>'
            '</svg><figcaption><p class="legend">%s</p><p id="expiry-summary">%s%s</p></figcaption></figure>'
            % (esc(summary), frame.width, frame.height, frame.width, frame.height, _band(frame, due),
               ''.join(bars), _lines(frame, marks), ''.join(labels), frame.left, frame.height - 6, frame.base // 2,
               frame.base // 2, legend, esc(summary), (' Rotate this month: %s.' % listed) if due else ''))
