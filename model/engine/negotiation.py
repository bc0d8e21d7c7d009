"""One step's negotiation: bounded alternating offers with a deadline.

Offers made this step are answered in rounds (accept, reject, or counter — the turn then
passes back to the other side); after ``MAX_ROUNDS`` an unanswered or still-countered
offer lapses, except one awaiting a person's answer: it waits in their inbox for one
quarter (``State.waiting``) and is answered in the first round of the next step, unless
they answered it already, by its ref, in the quarter it was made. Every
message is a row of the deals table. Offers are handled in id order, so the same seed
gives the same deals.
"""

import math
from dataclasses import dataclass, replace

import numpy as np

from agents.actions import ANSWERS, Propose, Respond
from agents.controllers import decider
from agents.observation import Observation, Offer
from model.engine import diplomacy
from model.engine.diplomacy import Deal
from model.engine.lookahead import Judge
from model.engine.news import AI_DIPLOMACY, DETAIL, AiDiplomacy
from model.engine.observe import observation
from model.engine.policies import PolicyError
from model.text import t


@dataclass(frozen=True)
class Answered:
    """An AI's answer to an offer a person is party to, with what it weighed as it
    answered (World.answers; model/game/verdicts says it in words): the gain and the trust
    its strategy asks for, and whether a tariff or an export control stood between the
    two, so the reason read later is the one that held then."""

    answer: Respond
    least_gain: float
    least_trust: float
    measures_between: bool


def negotiate(world, proposals: list[Propose], step: int) -> None:
    if not proposals and not world.state.waiting:
        return  # most quarters of most runs: nothing offered, nothing left to answer
    judge = Judge(world, step)
    tally = AiDiplomacy()  # offers between AI governments, told in one line
    # deal, who must answer, round, and whether it already waited a quarter for a person
    open_offers: list[tuple[Deal, str, int, bool]] = [
        (deal, responder, round_, True) for deal, responder, round_ in world.state.waiting
    ]
    world.state.waiting = []
    refs: dict[int, str] = {}  # the refs of this step's offers, by deal id (Propose.ref)
    for proposal in proposals:
        try:
            terms = diplomacy.check_terms(world.data, proposal, world.state.coalitions)
        except PolicyError as refusal:
            world.refuse(step, proposal, str(refusal))
            continue
        deal = Deal(
            world.state.next_deal_id,
            proposal.deal,
            (proposal.actor, proposal.partner),
            terms,
            int(proposal.duration),
        )
        world.state.next_deal_id += 1
        if proposal.ref:
            refs[deal.deal_id] = world.deal_refs[deal.deal_id] = proposal.ref
        record(world, step, deal, "proposed", proposal.actor, tally, world.decided_by(proposal))
        open_offers.append((deal, proposal.partner, 1, False))

    # Each responder's view of the world, shared by the offers it answers until an answer
    # changes the world (a deal in force, a refusal remembered): a class's thirty offers to
    # one delegation were thirty observations of the same state.
    views: dict[str, Observation] = {}
    for _ in range(diplomacy.MAX_ROUNDS):
        if not open_offers:  # nothing to answer: no round, no copy of the world to judge on
            break
        judge.begin_round()
        still_open = []
        for deal, responder, round_, waited in open_offers:
            answer = ask(world, judge, deal, responder, round_, views, refs.get(deal.deal_id, ""))
            if answer is not None and world.plays_ai(responder) and not all(
                world.plays_ai(code) for code in deal.parties
            ):
                world.answers[deal.deal_id] = answered(world, answer, deal.parties)
            if answer is None:
                still_open.append((deal, responder, round_, waited))
            elif answer.answer == "accept":
                accept(world, deal, responder, step, tally)
                views.clear()
            elif answer.answer == "counter" and answer.terms and round_ < diplomacy.MAX_ROUNDS:
                try:
                    deal.terms = diplomacy.check_terms(
                        world.data,
                        Propose(
                            deal.parties[0],
                            deal.parties[1],
                            deal.deal,
                            {**deal.terms, **answer.terms},
                            deal.duration,
                        ),
                        world.state.coalitions,
                    )
                except PolicyError as refusal:
                    world.refuse(step, answer, str(refusal))
                    world.recorder.deal(diplomacy.deal_row(step, deal, "rejected"))
                    continue
                world.recorder.deal(diplomacy.deal_row(step, deal, "countered"))
                still_open.append(
                    (deal, diplomacy.other(deal.parties, responder), round_ + 1, False)
                )
            else:
                by = responder_kind(world, responder)
                record(world, step, deal, "rejected", responder, tally, by)
                views.clear()
        open_offers = still_open
    for deal, responder, round_, waited in open_offers:
        if not waited and answers_later(world, responder):
            world.state.waiting.append((deal, responder, round_))
        else:
            world.recorder.deal(diplomacy.deal_row(step, deal, "lapsed"))
    summary = tally.sentence(world.quarter_label(step))
    if summary:
        world.recorder.event(step, "", AI_DIPLOMACY, "", summary, DETAIL, by="ai")


def answered(world, answer: Respond, parties: tuple[str, str]) -> Answered:
    controller = world.country_agent(answer.actor).controller
    i, j = (world.data.country(code) for code in parties)
    tariff, level = world.state.effective_tariff(), world.state.export_level
    pairs = (np.s_[:, i, j], np.s_[:, j, i])
    between = any((tariff[p] > 0).any() or (level[p] < 1).any() for p in pairs)
    return Answered(answer, controller.MIN_GAIN, controller.p(controller.TRUST), between)


def answers_later(world, code: str) -> bool:
    """A person answers between quarters: an offer to them waits one quarter in their inbox."""
    return world.country_agent(code).controller.answers_later


def ask(world, judge: Judge, deal: Deal, responder: str, round_: int, views: dict, ref: str = ""):
    """The responder's answer to an offer, or None if it does not answer; ``views`` holds
    the responders' observations of the world as it stands; ``ref``: the offer's name if
    it was made this step (Propose.ref)."""
    controller = world.country_agent(responder).controller
    if not controller.observes:  # it never looks, so it cannot judge an offer: it lapses
        return None
    offer = Offer(
        deal.deal_id,
        deal.deal_id,
        deal.deal,
        deal.parties[0],
        deal.parties[1],
        dict(deal.terms),
        deal.duration,
        round_,
        ref,
    )

    def evaluate(offer: Offer) -> float:
        trial = judge.start()
        trial_deal = replace(deal, terms=dict(offer.terms), pledges=[])
        try:
            put_in_force(world, trial_deal, trial, world.steps)
        except PolicyError:  # an investment its investor cannot pay: it would not happen
            return -math.inf
        trial.deals.append(trial_deal)
        return judge.gain(responder, trial)

    view = views.get(responder)
    if view is None:
        view = views[responder] = observation(world, responder)
    answer = controller.respond(replace(view, offers=[offer], evaluate=evaluate), offer)
    if answer is not None and answer.answer not in ANSWERS:
        world.refuse(
            world.steps,
            answer,
            t("deals.bad_answer", answer=answer.answer, allowed=", ".join(ANSWERS)),
        )
        return None
    return answer


def put_in_force(world, deal: Deal, state, step: int) -> None:
    if deal.deal == "coalition":
        club = state.coalitions[deal.terms["coalition"]]
        for code in deal.parties:
            if code not in club.members:
                club.members.append(code)
        diplomacy.enforce_coalition(club, state, world.data)
        deal.until = step + deal.duration - 1
        deal.status = "active"
        return
    diplomacy.activate(deal, state, world.data, step)


def accept(world, deal: Deal, responder: str, step: int, tally: AiDiplomacy) -> None:
    try:
        put_in_force(world, deal, world.state, step)
    except PolicyError as refusal:  # the investor's budget is spent: the deal lapses
        world.recorder.deal(diplomacy.deal_row(step, deal, "lapsed"))
        payer = diplomacy.other(deal.parties, deal.terms["host"])
        world.recorder.event(
            step,
            payer,
            "refused",
            deal.terms["host"],
            t("news.refused", actor=payer, kind=t(f"deals.kind_{deal.deal}"), reason=refusal),
        )
        return
    world.state.deals.append(deal)
    until, by = world.quarter_label(deal.until), responder_kind(world, responder)
    record(world, step, deal, "accepted", responder, tally, by, until=until)


def responder_kind(world, code: str) -> str:
    """Who answers for ``code`` (the events table's ``decided_by``): "ai" or "player"."""
    return decider(world.country_agent(code).controller)


def record(
    world, step: int, deal: Deal, status: str, actor: str, tally: AiDiplomacy, by: str, **fields
) -> None:
    """One message of the negotiation: a row of the deals table and a line of news (or,
    between AI governments, a count in the quarter's ``tally``); ``by``: who decided it."""
    partner = diplomacy.other(deal.parties, actor)
    world.recorder.deal(diplomacy.deal_row(step, deal, status))
    if status == "rejected":  # remembered, so the proposer does not ask again at once
        world.state.refusals[(partner, actor, deal.deal)] = step
    if all(world.plays_ai(code) for code in deal.parties):  # told once a quarter, in sum
        tally.count(status, deal.deal)
        return
    sentence = t(
        f"deals.{status}", actor=actor, partner=partner, deal=t(f"deals.kind_{deal.deal}"), **fields
    )
    world.recorder.event(step, actor, status, partner, sentence, by=by)
