"""The hub's refusals: a stable code, a sentence with its values apart, translated by the reader.

A change the hub will not make raises `Refusal(code, N_("sentence with %(name)s"), name=…)`.
The code (`"group.exists"`, dotted, lower case) is the refusal's name for programs: the API
answers `{"code", "message", "params"}` and a client may rely on the code and the params'
keys. The sentence is an English gettext message id: the web and the command line look it
up in the catalogues (Polish and English) and fill in the params, so nobody has to
recognise a sentence by its wording. `N_` only marks the sentence for extraction.

This is a basic module: every layer of the hub may import it, and it imports nothing of ours.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a message id for `make messages` without translating it here."""
    return message


class Refusal(ValueError):
    """A change refused, with the reason's code, its sentence (a message id) and values."""

    def __init__(self, code: str, template: str, /, **params: object) -> None:
        self.code = code
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)
