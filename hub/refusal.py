"""The hub's refusals: a stable code, a sentence with its values apart, translated by the reader.

A change the hub will not make raises `Refusal(code, N_("sentence with %(name)s"), name=…)`.
The code (`"group.exists"`, dotted, lower case: the thing, then what is wrong with it) is the
refusal's name for programs: the API answers `{"code", "message", "params"}` and a client may
rely on the code and the params' keys. The sentence is an English gettext message id: the
web and the command line look it up in the catalogues (`hub.i18n.refusal_text`, Polish and
English) and fill in the params, so nobody has to recognise a sentence by its wording.
`N_` only marks the sentence for extraction (`make messages`).

A param that names a field ("First name") is itself words to translate: pass it as a
`Label` (`field=Label(N_("First name"))`); the reader translates a label before putting it
into the sentence, and a program reading the params gets its English message id.

To add one: raise `Refusal("thing.what", N_("Sentence with %(value)s."), value=…)` where the
change is refused, run `make messages`, and write the Polish and English texts in
`hub/locale/{pl,en}/LC_MESSAGES/messages.po`. Codes already given never change meaning.

This is a basic module: every layer of the hub may import it, and it imports nothing of ours.
"""

from __future__ import annotations

from collections.abc import Mapping


def N_(message: str) -> str:
    """Marks a message id for `make messages` without translating it here."""
    return message


class Label(str):
    """A param that is a message id of its own (a field's name), translated where shown."""

    __slots__ = ()


class Refusal(ValueError):
    """A change refused, with the reason's code, its sentence (a message id) and values.

    `str()` gives the English sentence with its values (labels as their English ids), for
    logs and for anyone without a catalogue.
    """

    def __init__(self, code: str, template: str, /, **params: object) -> None:
        self.code = code
        self.template = template
        self.params: Mapping[str, object] = params
        super().__init__(template % params if params else template)
