"""The citizen platform: verification levels, participatory processes with their phases,
proposals and supports, threaded comments with moderation, surveys, participatory budgets,
follows and notifications, pledges.

What each action needs is a verification level the process sets (``Level``): an account
whose e-mail is confirmed, or a verified resident of the city (and of a district where a
budget is by district).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager

from zerocity.core.models import City

USER = settings.AUTH_USER_MODEL


class Level(models.IntegerChoices):
    ACCOUNT = 0, _("Any account")
    EMAIL = 1, _("E-mail confirmed")
    RESIDENT = 2, _("Verified resident")


class District(models.Model):
    """A district (krajevna skupnost / mestna četrt) of the city."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="districts")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["city", "name"]
        constraints = [models.UniqueConstraint(fields=["city", "code"],
                                               name="district_unique_code")]

    def __str__(self) -> str:
        return self.name


class Verification(models.Model):
    """What the platform knows about a person in a city: the e-mail confirmed, and whether
    the resident check (the census file in the demo, the national e-identity in a real
    deployment) matched, with the district it found. The personal data the check used is
    never stored: only a keyed hash of the register entry, so one entry verifies one
    account."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="verifications")
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    resident_at = models.DateTimeField(null=True, blank=True)
    resident_method = models.CharField(max_length=60, blank=True)
    resident_key = models.CharField(max_length=64, blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "user"], name="verification_unique"),
            models.UniqueConstraint(fields=["city", "resident_key"],
                                    condition=~models.Q(resident_key=""),
                                    name="verification_one_account_per_resident"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.city_id}: level {self.level}"

    @property
    def level(self) -> int:
        if self.resident_at:
            return Level.RESIDENT
        return Level.EMAIL if self.email_confirmed_at else Level.ACCOUNT



class CensusEntry(models.Model):
    """One resident of the census file the demo's resident check reads: a keyed hash of the
    identity fields and the district, nothing readable."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "key"], name="census_unique")]

    def __str__(self) -> str:
        return f"census entry {self.pk}"


class Phase(models.TextChoices):
    INFORM = "inform", _("Inform")
    COLLECT = "collect", _("Collect")
    DELIBERATE = "deliberate", _("Deliberate")
    DECIDE = "decide", _("Decide")
    FOLLOW_UP = "follow_up", _("Follow up")


class Process(models.Model):
    """A participatory process: its phases in order, the phase it is in, and the level each
    kind of participation needs."""

    objects: MultilingualManager[Process] = MultilingualManager()  # texts per language
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="processes")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.INFORM)
    support_threshold = models.PositiveIntegerField(default=50, help_text="supports a "
                                                    "proposal needs to be evaluated")
    propose_level = models.PositiveSmallIntegerField(choices=Level.choices,
                                                     default=Level.EMAIL)
    support_level = models.PositiveSmallIntegerField(choices=Level.choices,
                                                     default=Level.RESIDENT)
    comment_level = models.PositiveSmallIntegerField(choices=Level.choices,
                                                     default=Level.EMAIL)
    vote_level = models.PositiveSmallIntegerField(
        choices=Level.choices, default=Level.RESIDENT,
        help_text="to vote in the process's budgets (a district's budget always needs a "
                  "verified resident of the district)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["city", "slug"],
                                               name="process_unique_slug")]

    def __str__(self) -> str:
        return self.title


class ProposalState(models.TextChoices):
    PUBLISHED = "published", _("Collecting support")
    EVALUATING = "evaluating", _("Being evaluated")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Proposal(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True,
                               related_name="proposals")
    title = models.CharField(max_length=200)
    body = models.TextField()
    district = models.ForeignKey(District, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="proposals")
    state = models.CharField(max_length=12, choices=ProposalState.choices,
                             default=ProposalState.PUBLISHED)
    answer = models.TextField(blank=True, help_text="the city's answer, with the reason for "
                              "a rejection")
    answered_at = models.DateTimeField(null=True, blank=True)
    action = models.ForeignKey("plan.Action", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="citizen_proposals")
    supports = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["process", "-created_at"]

    def __str__(self) -> str:
        return self.title


class Support(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE,
                                 related_name="support_set")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"],
                                               name="support_once")]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.proposal_id}"


class Alignment(models.IntegerChoices):
    AGAINST = -1, _("Against")
    NEUTRAL = 0, _("Neutral")
    FOR = 1, _("For")


class Comment(models.Model):
    """A comment on a proposal, or a reply (three levels at most)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="replies")
    depth = models.PositiveSmallIntegerField(default=1)
    author = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField()
    alignment = models.SmallIntegerField(choices=Alignment.choices, default=Alignment.NEUTRAL)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=300, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True,
                                       help_text="a moderator kept it after its reports")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["proposal", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(depth__gte=1, depth__lte=3),
                                              name="comment_three_levels")]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.proposal_id}"


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    OFFENSIVE = "offensive", _("Offensive or hateful")
    PERSONAL = "personal", _("Personal data")
    OFF_TOPIC = "off_topic", _("Off topic")


class Report(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=12, choices=ReportReason.choices)
    details = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"],
                                               name="report_once")]

    def __str__(self) -> str:
        return f"report of {self.comment_id}: {self.reason}"


class Block(models.Model):
    """A person blocked from taking part in the city's processes, with the reason."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=500)
    by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "user"], name="block_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} blocked in {self.city_id}"


# -- follows and notifications ------------------------------------------------------------------

class Follow(models.Model):
    """Something a person follows: a proposal, a plan action, a process or a district."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="follows")
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=80, help_text="kind:id, e.g. proposal:12")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "city", "target"],
                                               name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.target}"


class Notification(models.Model):
    """An entry of a person's in-site inbox; e-mailed at once or in the weekly digest."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notifications")
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=80)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class MailPreference(models.Model):
    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="mail_preference")
    immediate = models.BooleanField(default=True)
    digest = models.BooleanField(default=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"mail for {self.user_id}"


# -- surveys ------------------------------------------------------------------------------------

class QuestionKind(models.TextChoices):
    SHORT = "short", _("Short text")
    LONG = "long", _("Long text")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    RANKING = "ranking", _("Ranking")
    MATRIX = "matrix", _("Matrix")


class Survey(models.Model):
    objects: MultilingualManager[Survey] = MultilingualManager()  # texts per language
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(max_length=300)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.RESIDENT)

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """A question; ``show_if`` makes it conditional: {"question": position, "equals": option}
    shows it only when that earlier question was answered with that option."""

    objects: MultilingualManager[Question] = MultilingualManager()  # texts per language
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.CharField(max_length=500)
    options = models.JSONField(default=list, blank=True)
    rows = models.JSONField(default=list, blank=True, help_text="a matrix's rows")
    required = models.BooleanField(default=True)
    show_if = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["survey", "position"]
        constraints = [models.UniqueConstraint(fields=["survey", "position"],
                                               name="question_unique_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    respondent = models.CharField(max_length=64, help_text="a keyed hash of the person: one "
                                  "answer per verified person, the answers not linked to "
                                  "the account")
    answers = models.JSONField()
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "respondent"],
                                               name="response_once")]

    def __str__(self) -> str:
        return f"response {self.pk} to {self.survey_id}"


# -- participatory budgeting ---------------------------------------------------------------------

class VotingStyle(models.TextChoices):
    KNAPSACK = "knapsack", _("Spend the budget")
    APPROVAL = "approval", _("Approve up to a number of projects")


class Budget(models.Model):
    objects: MultilingualManager[Budget] = MultilingualManager()  # texts per language
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="budgets")
    district = models.ForeignKey(District, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="budgets", help_text="only its residents vote")
    title = models.CharField(max_length=300)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    style = models.CharField(max_length=10, choices=VotingStyle.choices)
    max_projects = models.PositiveSmallIntegerField(null=True, blank=True,
                                                    help_text="approval voting")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.title


class Project(models.Model):
    objects: MultilingualManager[Project] = MultilingualManager()  # texts per language
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    cost = models.DecimalField(max_digits=14, decimal_places=2)
    proposal = models.ForeignKey(Proposal, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")

    class Meta:
        ordering = ["budget", "title"]

    def __str__(self) -> str:
        return self.title


class Ballot(models.Model):
    """One ballot per voter and budget: online (``voter`` is a keyed hash of the person), or on
    paper at a polling place, entered by staff with the paper ballot's number."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="ballots")
    voter = models.CharField(max_length=64)
    projects = models.ManyToManyField(Project, related_name="ballots")
    in_person = models.BooleanField(default=False)
    paper_number = models.CharField(max_length=40, blank=True)
    entered_by = models.CharField(max_length=150, blank=True)
    cast_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["budget", "voter"],
                                               name="ballot_once")]

    def __str__(self) -> str:
        return f"ballot {self.pk} in {self.budget_id}"


# -- pledges ------------------------------------------------------------------------------------

class Pledge(models.Model):
    """A concrete change a citizen commits to, with its estimated yearly saving and how it is
    estimated."""

    objects: MultilingualManager[Pledge] = MultilingualManager()  # texts per language
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="pledges")
    key = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    kg_co2e_year = models.DecimalField(max_digits=10, decimal_places=1)
    method = models.TextField(help_text="the factors and assumptions, with sources")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "key"], name="pledge_unique")]

    def __str__(self) -> str:
        return self.title


class PledgeTaken(models.Model):
    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="taken")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="pledges")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pledge", "user"],
                                               name="pledge_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.pledge_id}"


# -- news and events ----------------------------------------------------------------------------

class Article(models.Model):
    """News written by the communication office, published at ``publish_at`` (scheduled when
    it is in the future), in one language or more (title, summary and body are translated:
    engage/translation.py)."""

    objects: MultilingualManager[Article] = MultilingualManager()  # texts per language
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="articles")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400, blank=True)
    body = models.TextField()
    publish_at = models.DateTimeField()
    author = models.CharField(max_length=150)
    topic = models.CharField(max_length=80, blank=True, help_text="a field of action's slug")
    announced_at = models.DateTimeField(null=True, blank=True,
                                        help_text="when the topic's followers were told")

    class Meta:
        ordering = ["city", "-publish_at"]
        constraints = [models.UniqueConstraint(fields=["city", "slug"],
                                               name="article_unique_slug")]

    def __str__(self) -> str:
        return self.title


class Event(models.Model):
    objects: MultilingualManager[Event] = MultilingualManager()  # texts per language
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["city", "starts_at"]

    def __str__(self) -> str:
        return self.title
