"""The resource booking attendant of the tenant's room mailboxes: an organizer's new event that has a room among its
attendees (by the room's address, whatever the attendee type) is processed at once by that room, per the room's
calendar processing settings (exchange_rooms.py; https://learn.microsoft.com/powershell/module/exchange/
set-calendarprocessing) and working hours. A room organizing its own event processes nothing.

Decision table, in this order (AutomateProcessing first, then the first row that applies):

| AutomateProcessing | condition                                                           | outcome           |
|--------------------|---------------------------------------------------------------------|-------------------|
| None               | processing disabled                                                 | unprocessed       |
| AutoUpdate         | Calendar Attendant only ("delegates don't get requests")            | unprocessed       |
| AutoAccept         | a busy or tentative item overlaps and AllowConflicts is false       | declined ("busy") |
| AutoAccept         | ScheduleOnlyDuringWorkHours and not wholly inside the working hours | declined          |
| AutoAccept         | out of policy, and AllRequestOutOfPolicy or in RequestOutOfPolicy   | pending           |
| AutoAccept         | out of policy otherwise                                             | declined          |
| AutoAccept         | AllBookInPolicy, or the organizer in BookInPolicy                   | accepted          |
| AutoAccept         | AllRequestInPolicy, or the organizer in RequestInPolicy             | pending           |
| AutoAccept         | none of these                                                       | declined          |

Out of policy: ends after today + BookingWindowInDays (0 = today), or lasts longer than MaximumDurationInMinutes
(0 = no limit).

The lists hold users or groups: the organizer counts as in a list when it or a group it belongs to (nested) is.
EnforceSchedulingHorizon only governs recurring meetings ("A recurring meeting request is automatically declined if
the meetings start on or before the date specified by the BookingWindowInDays parameter, and the meetings extend
beyond the specified date"); the emulator refuses recurrences, so it changes nothing here: a single meeting beyond the
booking window is out of policy whatever its value (as Microsoft's resource scheduling options describe the window:
"Non-repeating meetings must end on or before the specified date").

What each outcome leaves, and the organizer's attendee status for the room (`status.response`):
- accepted: the room's calendar holds a copy (showAs busy, its responseStatus accepted); the organizer's Inbox an
  eventMessageResponse (meetingAccepted, responseType accepted). Status `accepted`.
- pending: the room's calendar holds a copy, tentative when TentativePendingApproval is true ("Meeting requests that
  are awaiting approval from a delegate appear in the calendar as tentative"), else free; the request
  (eventMessageRequest, meetingRequest, isDelegated) goes to the Inbox of each ResourceDelegates mailbox when
  ForwardRequestsToDelegates is true, else (or without delegates) it stays in the room's Inbox, where no one is told.
  With TentativePendingApproval true the room answers the organizer tentatively (eventMessageResponse,
  meetingTenativelyAccepted, responseType tentativelyAccepted): status `tentativelyAccepted`; otherwise it sends
  nothing yet: status `none` (stricter: the page does not say a response is sent).
- declined: nothing on the room's calendar; the organizer's Inbox gets an eventMessageResponse (meetingDeclined,
  responseType declined) whose body gives the reason when EnableResponseDetails is true. Status `declined`.
- unprocessed: the request stays in the room's Inbox; AutoUpdate's Calendar Attendant adds it to the room's calendar
  tentatively when AddNewRequestsTentatively is true ("Meeting organizers receive only decisions from delegates").
  Status `none`.
On the room's copies AutoAccept applies DeleteSubject, AddOrganizerToSubject, DeleteComments and
RemovePrivateProperty; AddAdditionalResponse adds AdditionalResponse to its responses.

Working hours are the room mailbox's (https://learn.microsoft.com/powershell/module/exchange/
set-mailboxcalendarconfiguration): WorkDays, WorkingHoursStartTime, WorkingHoursEndTime, WorkingHoursTimeZone, kept
in the room's `calendar_configuration` (state['rooms'][alias]) and defaulting to the page's defaults (Weekdays,
08:00-17:00) in UTC (the page's default zone is "the time zone setting of the Exchange server").

Decline and response texts are the emulator's [unverified wording]; the outcomes are the page's.
"""

from __future__ import annotations

import datetime

from emulator import exchange
from emulator.graph_events import (attendee_copy, calendar, date_time_zone, instants, mail_folder, new_message,
                                   recipient, utc_now, zone)

ACCEPTED, PENDING, DECLINED, UNPROCESSED = 'accepted', 'pending', 'declined', 'unprocessed'
WORKING_HOURS = {'WorkDays': 'Weekdays', 'WorkingHoursStartTime': '08:00:00', 'WorkingHoursEndTime': '17:00:00',
                 'WorkingHoursTimeZone': 'UTC'}
DAYS = ('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday')
DAY_SETS = {'none': (), 'alldays': DAYS, 'weekdays': DAYS[:5], 'weekenddays': DAYS[5:]}
BUSY = ('busy', 'tentative', 'oof', 'workingElsewhere')

CONFLICT = 'The resource is already booked for the requested time.'
OUTSIDE_HOURS = 'This resource can only be scheduled during its working hours (%s %s-%s, %s).'
BEYOND_WINDOW = 'This resource can only be scheduled up to %d days in advance. The end time should fall before %s.'
TOO_LONG = 'This resource can only be scheduled for meetings of up to %d minutes.'
NOT_ALLOWED = "You don't have permission to schedule this resource."
# What the room tells the organizer, per outcome: (responseType, meetingMessageType, subject prefix, text).
# meetingTenativelyAccepted is spelt as Graph v1.0's meetingMessageType enumeration spells it.
RESPONSES = {
    ACCEPTED: ('accepted', 'meetingAccepted', 'Accepted', 'Your request was accepted.'),
    PENDING: ('tentativelyAccepted', 'meetingTenativelyAccepted', 'Tentative',
              'Your request was received and is pending approval.'),
    DECLINED: ('declined', 'meetingDeclined', 'Declined', 'Your request was declined.'),
}


# Working hours and policy ------------------------------------------------------------------------------------

def working_hours(settings):
    """The room's working hours: Set-MailboxCalendarConfiguration's parameters, its defaults for those not set."""
    return dict(WORKING_HOURS, **(settings.get('calendar_configuration') or {}))


def _work_days(value):
    """WorkDays ('Weekdays', 'Monday, Friday', a list, ...) as weekday numbers (Monday 0)."""
    names = value if isinstance(value, (list, tuple)) else str(value).split(',')
    days = set()
    for name in (str(n).strip().lower() for n in names):
        days.update(DAYS.index(d) for d in DAY_SETS.get(name, [d for d in DAYS if d.lower() == name]))
    return days


def _clock(text):
    hours, minutes, seconds = (str(text).split(':') + ['0', '0'])[:3]
    return datetime.time(int(hours), int(minutes), int(float(seconds)))


def _local_zone(hours):
    return zone(hours['WorkingHoursTimeZone']) or datetime.timezone.utc


def within_working_hours(hours, start, end):
    """Whether [start, end) lies inside one work day's working hours, in the working hours' time zone."""
    local = _local_zone(hours)
    first, last = start.astimezone(local), end.astimezone(local)
    if first.date() != last.date() or first.weekday() not in _work_days(hours['WorkDays']):
        return False
    return _clock(hours['WorkingHoursStartTime']) <= first.time() and last.time() <= \
        _clock(hours['WorkingHoursEndTime'])


def _out_of_policy(processing, hours, start, end, now):
    """Why a request is out of policy (the decline or pending reason), or None."""
    local = _local_zone(hours)
    last_day = now.astimezone(local).date() + datetime.timedelta(days=processing['BookingWindowInDays'])
    window_end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time(), tzinfo=local)
    if end > window_end:
        return BEYOND_WINDOW % (processing['BookingWindowInDays'], window_end.strftime('%m/%d/%Y'))
    limit = processing['MaximumDurationInMinutes']
    if limit and (end - start) > datetime.timedelta(minutes=limit):
        return TOO_LONG % limit
    return None


def _identities(state, organizer):
    """The organizer's alias and address and those of every group it belongs to, directly or through groups, lower
    case: what a BookInPolicy/RequestInPolicy/RequestOutOfPolicy entry may name."""
    groups = state.get('groups') or {}
    by_alias = dict((r['Identity'], r) for r in state['recipients'])
    found, members = [organizer], {organizer['Identity']}
    while True:
        joined = [alias for alias, entry in groups.items() if alias not in members and members & set(entry['members'])]
        if not joined:
            break
        members.update(joined)
        found += [by_alias[alias] for alias in joined if alias in by_alias]
    return set(str(r.get(key) or '').lower() for r in found for key in ('Identity', 'PrimarySmtpAddress'))


def _listed(who, entries):
    return bool(who & set(str(entry).lower() for entry in entries or ()))


def _busy(state, alias, start, end):
    """Whether an item that is not free overlaps [start, end) on the room's calendar."""
    for event in calendar(state, alias):
        first, last = instants(event)
        if event['showAs'] in BUSY and not event['isCancelled'] and first < end and start < last:
            return True
    return False


def decide(state, alias, settings, organizer, start, end, now):
    """(outcome, reason) of the room `alias` (its settings) for a request of `organizer` (recipient) for [start,
    end), per the module's decision table."""
    processing = settings['calendar_processing']
    if processing['AutomateProcessing'] != 'AutoAccept':
        return UNPROCESSED, None
    if not processing['AllowConflicts'] and _busy(state, alias, start, end):
        return DECLINED, CONFLICT
    hours = working_hours(settings)
    if processing['ScheduleOnlyDuringWorkHours'] and not within_working_hours(hours, start, end):
        return DECLINED, OUTSIDE_HOURS % (hours['WorkDays'], hours['WorkingHoursStartTime'],
                                          hours['WorkingHoursEndTime'], hours['WorkingHoursTimeZone'])
    who = _identities(state, organizer)
    reason = _out_of_policy(processing, hours, start, end, now)
    if reason:
        allowed = processing['AllRequestOutOfPolicy'] or _listed(who, processing['RequestOutOfPolicy'])
        return (PENDING if allowed else DECLINED), reason
    if processing['AllBookInPolicy'] or _listed(who, processing['BookInPolicy']):
        return ACCEPTED, None
    if processing['AllRequestInPolicy'] or _listed(who, processing['RequestInPolicy']):
        return PENDING, None
    return DECLINED, NOT_ALLOWED


# Messages ---------------------------------------------------------------------------------------------------

def _meeting_fields(event, odata_type, kind):
    """What every eventMessage of this meeting carries (https://learn.microsoft.com/graph/api/resources/
    eventmessage); `_iCalUId` ties it to the meeting."""
    start, end = instants(event)
    return {'@odata.type': odata_type, 'meetingMessageType': kind, 'startDateTime': date_time_zone(start),
            'endDateTime': date_time_zone(end), 'location': dict(event['location']), 'isAllDay': event['isAllDay'],
            'isDelegated': False, 'isOutOfDate': False, 'type': event['type'], 'recurrence': None,
            '_iCalUId': event['iCalUId']}


def _request(event, delegated):
    """The meeting request as delivered (https://learn.microsoft.com/graph/api/resources/eventmessagerequest)."""
    to = [{'emailAddress': dict(a['emailAddress'])} for a in event['attendees'] if a['type'] != 'optional']
    cc = [{'emailAddress': dict(a['emailAddress'])} for a in event['attendees'] if a['type'] == 'optional']
    fields = _meeting_fields(event, '#microsoft.graph.eventMessageRequest', 'meetingRequest')
    fields.update(isDelegated=delegated, meetingRequestType='newMeetingRequest', responseRequested=True,
                  allowNewTimeProposals=event['allowNewTimeProposals'], previousStartDateTime=None,
                  previousEndDateTime=None, previousLocation=None)
    return new_message(event['organizer'], event['subject'], dict(event['body']), to, cc, **fields)


def _respond(state, room, processing, organizer, event, outcome, reason):
    """The room's response in the organizer's Inbox (https://learn.microsoft.com/graph/api/resources/
    eventmessageresponse)."""
    response, kind, prefix, text = RESPONSES[outcome]
    lines = [text] + ([reason] if reason and processing['EnableResponseDetails'] else [])
    if processing['AddAdditionalResponse'] and processing['AdditionalResponse']:
        lines.append(processing['AdditionalResponse'])
    fields = _meeting_fields(event, '#microsoft.graph.eventMessageResponse', kind)
    fields.update(responseType=response, proposedNewTime=None)
    body = {'contentType': 'text', 'content': '\n'.join(lines)}
    message = new_message(recipient(room), '%s: %s' % (prefix, event['subject']), body, [recipient(organizer)],
                          **fields)
    mail_folder(state, organizer['Identity'], 'inbox').append(message)


# Processing -------------------------------------------------------------------------------------------------

def _room_attendees(state, organizer, event):
    """The room mailboxes among the event's attendees (once each), with their settings; never the organizer."""
    rooms, seen = [], set()
    addresses = set(a['emailAddress']['address'].lower() for a in event['attendees'])
    for found in state['recipients']:
        address = (found.get('PrimarySmtpAddress') or '').lower()
        settings = state['rooms'].get(found['Identity'])
        if address in addresses and settings is not None and found['Identity'] != organizer['Identity'] \
                and found['RecipientTypeDetails'] == exchange.ROOM_MAILBOX and address not in seen:
            seen.add(address)
            rooms.append((found, settings))
    return rooms


def _delegates(state, processing):
    """The mailboxes of the room's ResourceDelegates (kept as aliases; addresses also count)."""
    wanted = set(str(d).lower() for d in processing['ResourceDelegates'] or ())
    return [r for r in state['recipients'] if r['RecipientTypeDetails'] in exchange.MAILBOX_KINDS
            and wanted & {r['Identity'].lower(), (r.get('PrimarySmtpAddress') or '').lower()}]


def _booked_fields(processing, organizer, event):
    """How AutoAccept changes the room's copy: DeleteSubject, AddOrganizerToSubject, DeleteComments,
    RemovePrivateProperty."""
    subject = event['subject']
    if processing['AddOrganizerToSubject']:
        subject = organizer['DisplayName']  # "The meeting organizer's name replaces any existing Subject value"
    elif processing['DeleteSubject']:
        subject = ''
    body = dict(event['body'], content='') if processing['DeleteComments'] else dict(event['body'])
    sensitivity = 'normal' if processing['RemovePrivateProperty'] and event['sensitivity'] == 'private' \
        else event['sensitivity']
    return dict(subject=subject, body=body, bodyPreview='' if processing['DeleteComments'] else event['bodyPreview'],
                sensitivity=sensitivity)


def _unprocessed(state, room, processing, event):
    held = calendar(state, room['Identity'])
    if processing['AutomateProcessing'] == 'AutoUpdate' and processing['AddNewRequestsTentatively']:
        held.append(attendee_copy(event, 'tentative', 'notResponded'))
    mail_folder(state, room['Identity'], 'inbox').append(_request(event, delegated=False))
    return 'none'


def _pending(state, room, processing, organizer, event, reason):
    tentative = processing['TentativePendingApproval']
    calendar(state, room['Identity']).append(attendee_copy(
        event, 'tentative' if tentative else 'free', 'tentativelyAccepted' if tentative else 'notResponded',
        **_booked_fields(processing, organizer, event)))
    delegates = _delegates(state, processing) if processing['ForwardRequestsToDelegates'] else []
    for holder in delegates or [room]:
        mail_folder(state, holder['Identity'], 'inbox').append(_request(event, delegated=bool(delegates)))
    if not tentative:
        return 'none'
    _respond(state, room, processing, organizer, event, PENDING, reason)
    return 'tentativelyAccepted'


def _apply(state, room, settings, organizer, event, outcome, reason):
    """Carry out the outcome; the organizer's attendee status for the room (responseType)."""
    processing = settings['calendar_processing']
    if outcome == UNPROCESSED:
        return _unprocessed(state, room, processing, event)
    if outcome == PENDING:
        return _pending(state, room, processing, organizer, event, reason)
    if outcome == ACCEPTED:
        calendar(state, room['Identity']).append(attendee_copy(event, 'busy', 'accepted',
                                                               **_booked_fields(processing, organizer, event)))
    _respond(state, room, processing, organizer, event, outcome, reason)
    return RESPONSES[outcome][0]


def process(state, organizer, event):
    """Each room among the attendees of the organizer's new event decides and answers at once; the organizer's copy
    shows each room's response in its attendee status."""
    (start, end), now = instants(event), utc_now()
    for room, settings in _room_attendees(state, organizer, event):
        outcome, reason = decide(state, room['Identity'], settings, organizer, start, end, now)
        response = _apply(state, room, settings, organizer, event, outcome, reason)
        if response == 'none':
            continue
        answered = event['lastModifiedDateTime']
        for attendee in event['attendees']:
            if attendee['emailAddress']['address'].lower() == room['PrimarySmtpAddress'].lower():
                attendee['status'] = {'response': response, 'time': answered}


def cancel(state, organizer, event):
    """The organizer deleted its meeting, which cancels it: each room's Calendar Attendant marks its copy cancelled
    and free, or deletes it when RemoveCanceledMeetings is true ("Canceled meetings aren't deleted" otherwise:
    https://learn.microsoft.com/powershell/module/exchange/set-calendarprocessing); the requests still waiting in a
    delegate's or a room's Inbox are withdrawn."""
    ical = event['iCalUId']
    for room, settings in _room_attendees(state, organizer, event):
        held = calendar(state, room['Identity'])
        for copied in [e for e in held if e['iCalUId'] == ical]:
            if settings['calendar_processing']['RemoveCanceledMeetings']:
                held.remove(copied)
            else:
                copied.update(isCancelled=True, showAs='free', subject='Canceled: ' + copied['subject'])
    for messages in (state.get('inbox') or {}).values():
        messages[:] = [m for m in messages if m.get('_iCalUId') != ical or m['meetingMessageType'] != 'meetingRequest']
