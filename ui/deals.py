"""The deals ledger with the reason each lapsed offer lapsed and each refused offer was
refused (nobody is left wondering)."""

import solara

from model.game.verdicts import why
from model.text import t
from ui import views, words
from ui.charts import table_html
from ui.panels import column


def lapse_reason(world, partner: str, country: str | None) -> str:
    """Why an offer lapsed: its partner never answers offers, or nobody answered in time."""
    if partner == country:
        return t("game.lapse_you")
    # A script or nobody never looks at its inbox.
    if partner in world.data.codes and not world.country_agent(partner).controller.observes:
        return t("game.lapse_never", name=words.name(world.data, partner))
    return t("game.lapse_no_answer", name=words.name(world.data, partner))


def reason(world, row, country: str | None) -> str:
    """Why a deal of the ledger ended as it did: an offer lapsed, or refused by an AI
    (its look-ahead, or its distrust); "" for the rest."""
    if row.status == "lapsed":
        return lapse_reason(world, row.partner, country)
    answered = world.answers.get(row.deal_id)
    if row.status == "rejected" and answered is not None:
        other = row.proposer if answered.answer.actor == row.partner else row.partner
        return why(world, row.deal_id, other, row.kind)
    return ""


@solara.component
def DealsWithReasons(world, tables: dict, country: str | None):
    ledger = views.deals_ledger(tables)
    if ledger.empty:
        solara.Text(t("ui.no_deals"))
        return
    reasons = [reason(world, row, country) for row in ledger.itertuples()]
    ledger = views.ledger_in_words(ledger, world.deal_refs, world.club_names())
    ledger = ledger.assign(why=reasons)
    columns = [
        column("deal_id", "deal"),
        column("kind"),
        column("parties"),
        column("status"),
        ("why", t("game.col_why"), t("game.help_why"), "{}"),
        column("terms"),
    ]
    solara.HTML(
        tag="div", unsafe_innerHTML=table_html(ledger, columns, t("ui.deals_title"))
    )


@solara.component
def LastOffers(game):
    """Offers that came with the last quarter: said plainly that they can no longer bind."""
    offers = game.inbox()
    if not offers:
        return
    solara.Markdown(f"**{t('game.last_offers_title')}**")
    for offer in offers:
        solara.Text(
            t(
                "game.last_offer_line",
                proposer=words.name(game.world.data, offer["proposer"]),
                deal=t(f"game.a_{offer['deal']}"),
            ),
            style={"display": "block"},
        )
