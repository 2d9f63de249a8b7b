"""Give the demo programme's firms diagnoses, so the result pages and the report have data.

Run by `python3 dev.py start` after `seed_demo`. Idempotent: once any demo firm has a
diagnosis it does nothing. Drawn from a fixed random seed, so every demo is the same:

- Artesanías Chordeleg (empresa@): two diagnoses, six months apart, the second better, so
  its history shows what changed;
- Calzado Andino (socia@): a diagnosis in progress, stopped at the third step;
- Tejidos Sumak Otavalo (maria.quishpe@): none, to take it from the start;
- about two thirds of the other firms: one diagnosis, a fifth of them retaken later.
"""

import datetime
import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from rutapyme.accounts.models import User
from rutapyme.diagnosis import services
from rutapyme.diagnosis.fakes import random_answers
from rutapyme.diagnosis.models import Diagnosis
from rutapyme.firms.models import Firm

SEED = 20261122
DEMO_DOMAIN = "demo.rutapyme.ec"
SHARE_DIAGNOSED = 0.65
SHARE_RETAKEN = 0.2
FIRM_LIMIT = 1000
NAMED = ("Artesanías Chordeleg", "Calzado Andino", "Tejidos Sumak Otavalo")


def improved(answers: dict, spec, rng: random.Random) -> dict:
    """Answers of the same firm months later, after some training: somewhat better."""
    later = dict(answers)
    for key, (question, _item) in spec.items_by_key.items():
        value = later.get(key)
        if value is None:
            continue
        if question.code == "q07_area_experience" and value > 1 and rng.random() < 0.5:
            later[key] = value - 1
        elif (
            (question.scale_code == "limiting5" and value in (1, 2))
            or (question.code == "q23_training_needs" and value < 4)
        ) and rng.random() < 0.4:
            later[key] = value + 1
    if later.get("q06_online_sales") == "none" and rng.random() < 0.7:
        later["q06_online_sales"] = rng.choice(["marketplace", "own_store", "both"])
    if later.get("q13_promotion_media") == ["none"]:
        later["q13_promotion_media"] = ["instagram", "facebook", "whatsapp"]
    payments = later.get("q14_payment_methods", [])
    if "payment_platform" not in payments and rng.random() < 0.5:
        options = [o.code for o in spec.questions["q14_payment_methods"].options]
        later["q14_payment_methods"] = [c for c in options if c in {*payments, "payment_platform"}]
    if later.get("q08_area_staff__digital_sales") == 0 and rng.random() < 0.5:
        later["q08_area_staff__digital_sales"] = 1
    return later


class Command(BaseCommand):
    help = "Load the demo firms' diagnoses (idempotent: does nothing once loaded)."

    def handle(self, *args, **options):
        if not User.objects.filter(email__iexact=f"admin@{DEMO_DOMAIN}").exists():
            self.stdout.write("No demo programme: run seed_demo first.")
            return
        # The demo's firms: the ones seed_demo created (the first ones, in a demo database).
        firms = list(Firm.objects.prefetch_related("members").order_by("pk")[:FIRM_LIMIT])
        if Diagnosis.objects.filter(firm__in=firms).exists():
            self.stdout.write("Demo diagnoses already loaded: no changes.")
            return
        started = timezone.now()
        with transaction.atomic():
            counts = self.load(firms)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            "Demo diagnoses loaded in {:.1f} s: {submitted} submitted ({retaken} firms retook "
            "it), {drafts} in progress.".format(seconds, **counts)
        )

    def load(self, firms: list[Firm]) -> dict[str, int]:
        rng = random.Random(SEED)
        questionnaire = services.current_questionnaire()
        spec = questionnaire.spec
        today = timezone.localdate()
        by_name = {firm.trade_name: firm for firm in firms if firm.trade_name in NAMED}
        others = [firm for firm in firms if firm.trade_name not in NAMED]
        counts = {"submitted": 0, "retaken": 0, "drafts": 0}

        def answers_of(firm):
            return random_answers(
                spec,
                offer_type=firm.offer_type,
                country=firm.country,
                sector=firm.sector,
                size_band=firm.size_band,
                rng=rng,
            )

        def record(firm, answers, day):
            members = list(firm.members.all())
            services.diagnosis_record(
                firm=firm,
                questionnaire=questionnaire,
                answers=answers,
                answered_on=day,
                # Firms nobody signed in to yet answered by phone, as programmes do.
                channel=Diagnosis.Channel.ONLINE if members else Diagnosis.Channel.PHONE,
                interviewer="" if members else "demo",
                user=members[0] if members else None,
            )
            counts["submitted"] += 1

        def diagnose(firm, *, retake: bool):
            joined = timezone.localdate(firm.created_at)
            span = max((today - joined).days, 1)
            first_day = joined + datetime.timedelta(days=rng.randrange(min(span, 60)))
            answers = answers_of(firm)
            record(firm, answers, first_day)
            if retake and (today - first_day).days > 30:
                later_day = first_day + datetime.timedelta(
                    days=rng.randrange(30, (today - first_day).days + 1)
                )
                record(firm, improved(answers, spec, rng), later_day)
                counts["retaken"] += 1

        chordeleg = by_name.pop("Artesanías Chordeleg", None)
        if chordeleg is not None:
            answers = answers_of(chordeleg)
            answers.update(
                {
                    "q06_online_sales": "none",
                    "q13_promotion_media": ["none"],
                    "q09_ecommerce_export": ["no"],
                }
            )
            answers = {
                k: v for k, v in answers.items() if not k.startswith("q09_ecommerce_export__")
            }
            record(chordeleg, answers, today - datetime.timedelta(days=180))
            # Six months later it sells on a marketplace: its history shows it moving up.
            later = {**improved(answers, spec, rng), "q06_online_sales": "marketplace"}
            record(chordeleg, later, today - datetime.timedelta(days=20))
            counts["retaken"] += 1
        calzado = by_name.pop("Calzado Andino", None)
        if calzado is not None:
            draft = services.diagnosis_start(firm=calzado, user=None)
            answers = answers_of(calzado)
            for step in spec.steps_for(calzado.offer_type)[:2]:
                raw = {}
                for key in (k for q in step.questions for k in q.answer_keys()):
                    if key in answers:
                        value = answers[key]
                        raw[key] = (
                            [str(v) for v in value] if isinstance(value, list) else [str(value)]
                        )
                services.diagnosis_save_step(diagnosis=draft, step_code=step.code, raw=raw)
            counts["drafts"] += 1
        for firm in others:
            if rng.random() < SHARE_DIAGNOSED:
                diagnose(firm, retake=rng.random() < SHARE_RETAKEN)
        return counts
