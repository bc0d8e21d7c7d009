"""Role cards: each delegation's mission in words a 15-year-old reads, from the world data.

A role card says what the delegation wants, what it fears, whom it depends on, its natural
allies and rivals, three moves it could make first, how it is scored, the scenario's
story and a glossary. Everything specific comes from the scenario's world (who sells what
to whom in the base year, who makes what, the budget), so a card is true for any world;
the teacher's answer key adds what each country can realistically get.
"""

import re
from dataclasses import dataclass

import numpy as np

from agents.actions import ALL
from model.data.scenario import load_scenario
from model.engine.policies import budget, good_label
from model.engine.world import World
from model.game.replay import NOBODY
from model.game.seats import DEFAULT_SEATS, seat_codes
from model.text import language, listed_name, t

GLOSSARY = (
    "mined",
    "refined",
    "magnets",
    "light_heavy",
    "offtake",
    "licensing",
    "tariff",
    "export_control",
    "stockpile",
    "subsidy",
    "coalition",
    "truce",
)
NOTABLE = 0.02
ALLIES = 3


@dataclass(frozen=True)
class RoleCard:
    code: str
    name: str
    mission: str
    standing: list[str]  # what the scenario already does in the country's name (its clubs)
    fears: str
    depends: list[str]
    allies: list[str]
    rivals: list[str]
    moves: list[str]
    scored: str
    story: str
    key: list[str]  # the teacher's answer key


def plain(text: str) -> str:
    """A scenario's story without the file references meant for developers."""
    text = re.sub(r"\s*\([^()]*(?:\.toml|\.csv|configs/|world_\w+)[^()]*\)", "", text)
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    dev = ("--", " seed", "this file")
    return " ".join(s for s in sentences if not any(word in s for word in dev))


def cards(scenario: str, seats: list[str] | None = None) -> tuple[str, list[RoleCard]]:
    """The scenario's title and the role cards of ``seats`` (default: the default seats)."""
    spec = load_scenario(scenario)
    world = World(spec)
    codes = seat_codes(world.data.codes, list(DEFAULT_SEATS) if seats is None else seats)
    return spec.title, [card(world, code) for code in codes]


def card(world: World, code: str) -> RoleCard:
    data = world.data
    c = data.country(code)
    flows = world.calibration.flows.copy()  # (G, importer, exporter), t/step, base year
    # "The rest of the world" is nobody's ally, rival or customer on a role card.
    aggregate = [j for j, other in enumerate(data.codes) if other in NOBODY and j != c]
    flows[:, :, aggregate] = 0.0
    flows[:, aggregate, :] = 0.0
    use = flows[:, c, :].sum(axis=1)
    value = use * data.price0
    imported = use - flows[:, c, c]
    # The good it depends on most: biggest value bought abroad.
    g_dep = int(np.argmax(imported * data.price0))
    shares = np.divide(flows[g_dep, c, :], max(use[g_dep], 1e-12))
    shares[c] = 0.0
    top = int(np.argmax(shares))
    # What it sells: its biggest exports by value, and its biggest buyers.
    exports = (flows[:, :, c].sum(axis=1) - flows[:, c, c]) * data.price0
    g_exp = int(np.argmax(exports))
    buyers = flows[g_exp, :, c].copy()
    buyers[c] = 0.0
    role = data.roles[c]
    # The reader's names, as a list reads them ("European Union", not "European Union (27)")
    names = [listed_name(other, name) for other, name in zip(data.codes, data.names, strict=True)]
    hegemon = next((j for j, r in enumerate(data.roles) if r == "hegemon"), None)

    depends = []
    for g in np.argsort(-value)[:3]:
        if use[g] <= 0:
            continue
        s = flows[g, c, :] / use[g]
        source = [names[j] for j in np.argsort(-s) if j != c and s[j] >= NOTABLE][:2]
        depends.append(
            t(
                "lesson.depends_item",
                good=good_label(*data.goods[g]),
                home=s[c],
                sources=", ".join(source) or t("lesson.many_small_sources"),
            )
        )
    trade = flows.sum(axis=0)  # (importer, exporter) tonnes of all goods: who trades with whom
    partners = trade[c, :] + trade[:, c]
    partners[c] = 0.0
    if hegemon is not None and hegemon != c:
        partners[hegemon] = 0.0
    allies = [names[j] for j in np.argsort(-partners)[:ALLIES] if partners[j] > 0]
    if role == "hegemon":
        needy = flows[:, :, c].sum(axis=0)
        needy[c] = 0.0
        rivals = [names[j] for j in np.argsort(-needy)[:2] if needy[j] > 0]
    elif role == "producer":
        makers = data.production0[:, g_exp].copy()
        makers[[c, *aggregate]] = 0.0
        rivals = [names[j] for j in np.argsort(-makers)[:2] if makers[j] > 0]
    else:
        rivals = [names[hegemon]] if hegemon is not None and shares[hegemon] > 0.3 else []
        buyers_too = flows[g_dep, :, top].copy()
        buyers_too[[c, top]] = 0.0
        rivals += [names[j] for j in np.argsort(-buyers_too)[:1] if buyers_too[j] > 0]
    buyer = data.codes[int(np.argmax(buyers))] if buyers.max() > 0 else t("lesson.nobody_abroad")
    fields = {  # economies by code: a sentence names them as it reads ({supplier:name})
        "name": code,
        "dep_good": good_label(*data.goods[g_dep]),
        "dep_share": shares[top],
        "supplier": data.codes[top],
        "exp_good": good_label(*data.goods[g_exp]),
        "buyer": buyer,
        "budget": budget(data, c) / 1e6,
        "mineral": t(f"news.mineral_{data.goods[g_exp][0]}"),
    }
    moves = [t(f"lesson.move_{role}_{k}", **fields) for k in (1, 2, 3)]
    return RoleCard(
        code=code,
        name=names[c],
        mission=t(f"lesson.mission_{role}", **fields),
        standing=standing(world, code),
        fears=t(f"lesson.fears_{role}", **fields),
        depends=depends,
        allies=allies,
        rivals=rivals,
        moves=moves,
        scored=t("lesson.scored"),
        story=plain(world.spec.description),
        key=[t(f"lesson.key_{role}_{k}", **fields) for k in (1, 2)]
        + [
            t(
                "lesson.key_ai",
                strategy=t(f"briefing.strategy_{world.country_agent(code).strategy}"),
            )
        ],
    )


def standing(world: World, code: str) -> list[str]:
    """The clubs the scenario has ``code`` found: their offers go out in its name, so its
    delegation must know it leads them (a teacher's walk: the US students never knew)."""
    lines = []
    for club in world.spec.coalitions:
        if club.founder != code:
            continue
        invited = len(world.data.codes) - 1 if ALL in club.invite else len(set(club.invite))
        parts = [
            t(
                "lesson.standing_club",
                club=club.called(),
                quarter=world.quarter_label(club.offer_step),
                count=invited,
                duration=club.duration,
            )
        ]
        if club.price_floor > 0:
            parts.append(t("lesson.standing_floor", floor=club.price_floor))
        if club.reserve_usd > 0:
            parts.append(t("lesson.standing_reserve", reserve=club.reserve_usd / 1e9))
        parts.append(t("lesson.standing_yours"))
        lines.append(" ".join(parts))
    return lines


def markdown(title: str, role_cards: list[RoleCard], key: bool = False) -> str:
    """The cards as Markdown, one section each; with ``key``, the teacher's answer key."""
    parts = [t("lesson.cards_intro", title=title)]
    for rc in role_cards:
        lines = [
            f"## {t('lesson.card_heading', name=rc.name, code=rc.code)}",
            "",
            f"**{t('lesson.mission_title')}** {rc.mission}",
            "",
            *[f"**{t('lesson.standing_title')}** {line}\n" for line in rc.standing],
            f"**{t('lesson.fears_title')}** {rc.fears}",
            "",
            f"**{t('lesson.depends_title')}**",
            *[f"- {item}" for item in rc.depends],
            "",
            f"**{t('lesson.allies_title')}** {_names(rc.allies)}. "
            f"**{t('lesson.rivals_title')}** {_names(rc.rivals)}.",
            "",
            f"**{t('lesson.moves_title')}**",
            *[f"{k}. {move}" for k, move in enumerate(rc.moves, 1)],
            "",
            f"**{t('lesson.scored_title')}** {rc.scored}",
            "",
            f"**{t('lesson.story_title')}** {rc.story}",
        ]
        if key:
            lines += ["", f"**{t('lesson.key_title')}**", *[f"- {item}" for item in rc.key]]
        parts.append("\n".join(lines))
    parts.append(glossary_markdown())
    return "\n\n".join(parts) + "\n"


def glossary_markdown() -> str:
    lines = [f"## {t('lesson.glossary_title')}", ""]
    lines += [f"- {t(f'lesson.word_{word}')}" for word in GLOSSARY]
    return "\n".join(lines)


def html(title: str, role_cards: list[RoleCard], key: bool = False) -> str:
    """The cards as one printable HTML page: one card per printed page."""
    from html import escape

    def items(values, tag="ul"):
        return f"<{tag}>" + "".join(f"<li>{escape(v)}</li>" for v in values) + f"</{tag}>"

    sections = []
    for rc in role_cards:
        body = [
            f"<h2>{escape(t('lesson.card_heading', name=rc.name, code=rc.code))}</h2>",
            f"<p><b>{escape(t('lesson.mission_title'))}</b> {escape(rc.mission)}</p>",
            *[
                f"<p><b>{escape(t('lesson.standing_title'))}</b> {escape(line)}</p>"
                for line in rc.standing
            ],
            f"<p><b>{escape(t('lesson.fears_title'))}</b> {escape(rc.fears)}</p>",
            f"<p><b>{escape(t('lesson.depends_title'))}</b></p>{items(rc.depends)}",
            f"<p><b>{escape(t('lesson.allies_title'))}</b> {escape(_names(rc.allies))}."
            f" <b>{escape(t('lesson.rivals_title'))}</b> {escape(_names(rc.rivals))}.</p>",
            f"<p><b>{escape(t('lesson.moves_title'))}</b></p>{items(rc.moves, 'ol')}",
            f"<p><b>{escape(t('lesson.scored_title'))}</b> {escape(rc.scored)}</p>",
            f"<p><b>{escape(t('lesson.story_title'))}</b> {escape(rc.story)}</p>",
        ]
        if key:
            body.append(
                f"<div class='key'><b>{escape(t('lesson.key_title'))}</b>{items(rc.key)}</div>"
            )
        sections.append("<section>" + "".join(body) + "</section>")
    words = items([t(f"lesson.word_{word}") for word in GLOSSARY])
    sections.append(f"<section><h2>{escape(t('lesson.glossary_title'))}</h2>{words}</section>")
    style = (
        "body{font-family:sans-serif;max-width:46em;margin:auto;line-height:1.45}"
        "section{page-break-after:always;border-bottom:1px solid #ccc;padding:1em 0}"
        ".key{background:#fff4d6;padding:.5em 1em}"
    )
    heading = escape(t("lesson.cards_heading", title=title))
    return (
        f"<!doctype html><html lang='{language()}'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{style}</style></head>"
        f"<body><h1>{heading}</h1>" + "".join(sections) + "</body></html>\n"
    )


def _names(names: list[str]) -> str:
    return ", ".join(names) or "–"
