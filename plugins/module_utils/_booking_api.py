# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Thin Microsoft Graph calls a room-booking product makes with its application permissions: users, groups,
room places, events in a mailbox's calendar, mail. Request shapes only; retries and errors are the HTTP layer's.
"""

from __future__ import annotations

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

from ansible_collections.bookingsone.office365.plugins.module_utils._graph import odata_quote


def _user(address):
    return '/users/%s' % quote(address, safe='@')


# https://learn.microsoft.com/graph/api/user-get
def get_user(graph, address):
    return graph.get(_user(address), params={'$select': 'id,userPrincipalName,mail'})


# https://learn.microsoft.com/graph/api/user-list
def first_users(graph, count=1):
    return graph.get('/users', params={'$top': str(count), '$select': 'id,userPrincipalName'}).get('value', [])


# https://learn.microsoft.com/graph/api/group-list
def first_groups(graph, count=1):
    return graph.get('/groups', params={'$top': str(count), '$select': 'id,displayName'}).get('value', [])


# https://learn.microsoft.com/graph/api/user-list-events
def first_events(graph, mailbox, count=1):
    return graph.json_or_none(graph.request('GET', _user(mailbox) + '/events',
                                            params={'$top': str(count), '$select': 'id'})).get('value', [])


# https://learn.microsoft.com/graph/api/user-post-events
def create_event(graph, mailbox, event):
    return graph.post(_user(mailbox) + '/events', event)


# https://learn.microsoft.com/graph/api/event-get
def get_event(graph, mailbox, event_id, select):
    return graph.json_or_none(graph.request('GET', '%s/events/%s' % (_user(mailbox), quote(event_id, safe='')),
                                            params={'$select': ','.join(select)}))


# https://learn.microsoft.com/graph/api/user-list-events (an event's copies share its iCalUId)
def events_of_meeting(graph, mailbox, ical_uid):
    if not ical_uid:
        return []
    return graph.json_or_none(graph.request('GET', _user(mailbox) + '/events', params={
        '$filter': 'iCalUId eq %s' % odata_quote(ical_uid), '$select': 'id'})).get('value', [])


# https://learn.microsoft.com/graph/api/event-delete
def delete_event(graph, mailbox, event_id):
    graph.delete('%s/events/%s' % (_user(mailbox), quote(event_id, safe='')))


# https://learn.microsoft.com/graph/api/user-sendmail
def send_mail(graph, sender, recipient, subject, text):
    graph.request('POST', _user(sender) + '/sendMail', body={
        'message': {'subject': subject, 'body': {'contentType': 'Text', 'content': text},
                    'toRecipients': [{'emailAddress': {'address': recipient}}]},
        'saveToSentItems': False})
