"""Callback capture at a desk: offer, caller ID or keyed number, read-back, window, SMS offer, consent, voice
message and the promise."""

from __future__ import annotations

from ivr.engine.hours import DeskStatus
from ivr.engine.model import ANY_WINDOW
from ivr.engine.model import CallbackRefined
from ivr.engine.model import CallbackRequested
from ivr.engine.model import Context
from ivr.engine.model import Dial
from ivr.engine.model import Event
from ivr.engine.model import Hangup
from ivr.engine.model import Node
from ivr.engine.model import NodeType
from ivr.engine.model import Outcome
from ivr.engine.model import Reached
from ivr.engine.model import Record
from ivr.engine.model import RecordingAttached
from ivr.engine.model import Redirect
from ivr.engine.model import State
from ivr.engine.output import Output

ENTRY_TIMEOUT = 12
"""Seconds of silence that end a phone-number entry; callers need longer than for one key."""
ANSWERED = {"completed", "answered"}
"""Dial statuses that mean somebody took the call."""
STAGES = ("choice", "entry", "confirm", "window", "sms", "consent", "recorded", "fallback")
"""The sub-states of a desk node that this module answers; window, sms, consent and recorded carry an argument
after "_" in the state's sub (the window's key, or "m" for a mobile number at the window)."""
MOBILE = "m"


def stage(sub: str) -> tuple[str, str]:
    """Split a state's sub into its stage and argument ("consent_2" -> ("consent", "2"); "consent" -> key "")."""
    name, _, arg = sub.partition("_")
    return name, arg


def readable(e164: str) -> str:
    """Digits a caller would dial: national form for German numbers, 00 + country for others."""
    return "0" + e164[3:] if e164.startswith("+49") else "00" + e164[1:]


def open_again(out: Output, status: DeskStatus) -> None:
    """Say when a closed desk opens next, when it does."""
    if status.next_open is not None:
        when = status.next_open
        out.say("open_again", {"weekday": when.weekday(), "time": (when.hour, when.minute)})


def offer(out: Output, node: Node, state: State, ctx: Context) -> None:
    """Offer a callback: to the caller ID when it can be called back, else ask for a number."""
    if not out.visited or out.visited[-1] != node.id:
        out.visited.append(node.id)
    if node.type is NodeType.CALLBACK:
        out.effects.append(Reached(node.desk or "", None))  # type: ignore[arg-type]
    check = ctx.check_number(ctx.caller) if ctx.caller else None
    if check is None or not check.ok or not check.e164:
        if check is not None and check.reason == "country":  # tell why before asking for another number
            out.say("cb_caller_country")
        ask_number(out, state.but(sub="entry", retries=0))
        return
    if ctx.has_open_callback(node.desk or "", check.e164):
        out.say("cb_exists")
        out.end()
        return
    items = out.render("cb_choice", {"digits": readable(check.e164)})
    out.gather(state.but(sub="choice"), items, out.bundle.menu_timeout)


def ask_number(out: Output, state: State) -> None:
    """Ask for a number keyed in and ended with #."""
    out.gather(state, out.render("cb_enter"), ENTRY_TIMEOUT, num_digits=None, finish_on_key="#")


def answer(out: Output, node: Node, state: State, event: Event, ctx: Context) -> None:
    """Answer the caller's input at one of the STAGES (0 for a person is handled by the caller of this)."""
    (sub, arg), digits, desk = stage(state.sub), (event.digits or "").strip(), node.desk or ""
    if sub == "choice":
        _choice(out, node, state, digits, ctx)
    elif sub == "entry":
        _entry(out, node, state, digits, ctx)
    elif sub == "confirm":
        if digits == "1" and state.number:
            _settle(out, node, state, state.number, ctx)
        elif digits == "*" and state.number:
            items = out.render("cb_readback", {"digits": readable(state.number)})
            out.gather(state, items, out.bundle.menu_timeout)
        elif digits == "2":
            ask_number(out, state.but(sub="entry", number=None, retries=0))
        else:
            _failed_entry(out, node, state, ctx, "cb_invalid")
    elif sub == "window":
        _window(out, node, state, digits, arg == MOBILE, ctx)
    elif sub == "sms":
        _sms(out, node, state, digits, arg, ctx)
    elif sub == "consent":
        _consent(out, node, state, digits, arg, ctx)
    elif sub == "recorded":
        if event.recording_url:
            out.effects.append(RecordingAttached(desk, event.recording_url, event.recording_sid,
                                                 event.recording_duration))
            out.say("recorded")
        _promise(out, desk, arg, ctx)
    elif event.dial_status in ANSWERED:  # "fallback": the information desk after failed entries
        out.effects.append(Reached(out.bundle.fallback_desk, Outcome.TRANSFERRED))
        out.flush()
        out.actions.append(Hangup())
    else:
        _nobody(out, desk, ctx)


def _choice(out: Output, node: Node, state: State, digits: str, ctx: Context) -> None:
    check = ctx.check_number(ctx.caller) if ctx.caller else None
    if digits == "1" and check is not None and check.ok and check.e164:
        _settle(out, node, state, check.e164, ctx)
    elif digits == "2" or check is None or not check.ok:
        ask_number(out, state.but(sub="entry", retries=0))
    elif digits == "*" or state.retries < node.max_retries:
        if digits != "*":
            out.say("invalid" if digits else "no_input")
        items = out.render("cb_choice", {"digits": readable(check.e164 or "")})
        out.gather(state.but(retries=state.retries + (digits != "*")), items, out.bundle.menu_timeout)
    else:
        ask_number(out, state.but(sub="entry", retries=0))


def _entry(out: Output, node: Node, state: State, digits: str, ctx: Context) -> None:
    check = ctx.check_number(digits) if digits else None
    if check is not None and check.ok and check.e164:
        items = out.render("cb_readback", {"digits": digits})
        out.gather(state.but(sub="confirm", number=check.e164, retries=0), items, out.bundle.menu_timeout)
        return
    reason = check.reason if check is not None else "invalid"
    _failed_entry(out, node, state, ctx, {"premium": "cb_refused", "short": "cb_refused",
                                          "country": "cb_country"}.get(reason, "cb_invalid"))


def _window_prompt(out: Output, node: Node) -> tuple:
    """A desk's own window prompt (cb_window_<desk>) when the catalogue has one, else morning/afternoon/any."""
    own = f"cb_window_{node.desk}"
    return out.render(own if own in out.bundle.prompts else "cb_window")


def _window(out: Output, node: Node, state: State, digits: str, mobile: bool, ctx: Context) -> None:
    """The caller's window: a key of the desk's windows; no key, or keys still wrong after the retries, is any."""
    windows = ctx.windows(node.desk or "")
    if digits == "*" or (digits and digits not in windows and state.retries < node.max_retries):
        if digits != "*":
            out.say("invalid")
        out.gather(state.but(retries=state.retries + (digits != "*")), _window_prompt(out, node),
                   out.bundle.menu_timeout)
        return
    key = digits if digits in windows else next((k for k, w in windows.items() if w == ANY_WINDOW), "")
    if mobile:
        out.gather(state.but(sub=f"sms_{key}" if key else "sms", retries=0), out.render("cb_sms"),
                   out.bundle.menu_timeout)
        return
    _refined(out, node, state, key, False, ctx)


def _sms(out: Output, node: Node, state: State, digits: str, key: str, ctx: Context) -> None:
    """The SMS offer for a mobile number: 1 yes, 2 or no key no; wrong keys are asked again, then no."""
    if digits == "*" or (digits not in ("", "1", "2") and state.retries < node.max_retries):
        if digits != "*":
            out.say("invalid")
        out.gather(state.but(retries=state.retries + (digits != "*")), out.render("cb_sms"), out.bundle.menu_timeout)
        return
    _refined(out, node, state, key, digits == "1", ctx)


def _refined(out: Output, node: Node, state: State, key: str, sms: bool, ctx: Context) -> None:
    """The window and the SMS choice refine the task the settled number created; then the consent as before."""
    desk = node.desk or ""
    out.effects.append(CallbackRefined(desk, ctx.windows(desk).get(key, ANY_WINDOW), sms))
    out.gather(state.but(sub=f"consent_{key}" if key else "consent", retries=0), out.render("consent"),
               out.bundle.menu_timeout)


def _consent(out: Output, node: Node, state: State, digits: str, key: str, ctx: Context) -> None:
    if digits == "1":
        out.say("record")
        out.flush()
        recorded = state.but(sub=f"recorded_{key}" if key else "recorded")
        out.actions.append(Record(recorded, out.bundle.recording_seconds))
        out.actions.append(Redirect(recorded))
    elif digits == "2" or (digits != "*" and state.retries >= node.max_retries):
        _promise(out, node.desk or "", key, ctx)
    elif digits == "*":
        out.gather(state, out.render("consent"), out.bundle.menu_timeout)
    else:
        out.say("invalid" if digits else "no_input")
        out.gather(state.but(retries=state.retries + 1), out.render("consent"), out.bundle.menu_timeout)


def _failed_entry(out: Output, node: Node, state: State, ctx: Context, prompt: str) -> None:
    entries = state.entries + 1
    if entries >= out.bundle.entry_attempts:
        _give_up(out, node, state, ctx)
        return
    out.say(prompt)
    ask_number(out, state.but(sub="entry", entries=entries, number=None, retries=0))


def _settle(out: Output, node: Node, state: State, phone: str, ctx: Context) -> None:
    desk = node.desk or ""
    today = ctx.callbacks_today(phone)
    if ctx.has_open_callback(desk, phone):
        out.say("cb_exists")
        out.end()
        return
    if today is not None and today >= out.bundle.callback_limit:
        out.say("cb_limit")
        out.end()
        return
    out.effects.append(CallbackRequested(desk, phone, state.lang))  # the task exists now; what follows refines it
    out.effects.append(Reached(desk, Outcome.CALLBACK_REQUESTED))
    check = ctx.check_number(phone)
    mobile = check is not None and check.mobile
    out.gather(state.but(sub=f"window_{MOBILE}" if mobile else "window", number=None, retries=0),
               _window_prompt(out, node), out.bundle.menu_timeout)


def _promise(out: Output, desk: str, key: str, ctx: Context) -> None:
    """The day by which the desk calls back inside the chosen window; the hours when the day is unknown."""
    day = ctx.promise_day(desk, ctx.windows(desk).get(key, ANY_WINDOW))
    if day is not None:
        out.say("cb_promise", {"weekday": day.weekday(), "day": day.day, "month": day.month})
    else:
        out.say("cb_created", {"number": out.bundle.promise_hours.get(desk, 24)})
    out.end()


def _give_up(out: Output, node: Node, state: State, ctx: Context) -> None:
    """Three failed entries: a person if the information desk is open, else a clear goodbye."""
    fallback = out.bundle.fallback_desk
    status = ctx.desk_status(fallback)
    if status.open:
        out.say("to_person")
        out.flush()
        out.actions.append(Dial(out.bundle.desk_numbers[fallback], state.but(sub="fallback", number=None),
                                out.bundle.dial_timeout))
        return
    _nobody(out, node.desk or fallback, ctx)


def _nobody(out: Output, desk: str, ctx: Context) -> None:
    out.say("no_one")
    open_again(out, ctx.desk_status(desk))
    out.end()
