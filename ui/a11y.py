"""Accessibility repairs the page needs from the browser side (see ui/a11y.vue)."""

import solara

from model.text import language


@solara.component_vue("a11y.vue")
def _Repairs(lang: str):
    pass


@solara.component
def PageRepairs():
    """Put once on a page: the html lang, zoom allowed, selects as comboboxes."""
    _Repairs(lang=language())


@solara.component_vue("tabkeys.vue")
def TabKeys():
    """Put inside a box with tab bars: the arrow keys, Home and End move between the tabs
    of a bar, as ARIA's tabs pattern has it (Vuetify 2's tabs answer Tab and Enter only)."""


@solara.component_vue("scrollto.vue")
def ScrollTo(selector: str, nonce: int, around: str = ""):
    """Each time ``nonce`` changes, the element ``selector`` finds takes the focus (a screen
    reader goes on from there) and comes into sight at the top of the screen, with its
    closest ``around`` (a selector) if it has one."""


@solara.component
def Disclosure(summary: str, expand: bool = False, children: list = []):  # noqa: B006
    """A button that shows or hides what follows (Vuetify's expansion panel fails axe-core)."""
    shown, set_shown = solara.use_state(expand)
    solara.Button(
        summary,
        icon_name="mdi-chevron-up" if shown else "mdi-chevron-down",
        on_click=lambda: set_shown(not shown),
        text=True,
        style={"text-transform": "none", "justify-content": "flex-start"},
    )
    if shown:
        solara.Column(children=children)
