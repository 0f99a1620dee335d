"""Topic names. Every message type has its own topic; names carry a version."""

from __future__ import annotations

from dataclasses import dataclass

GROUP_REGISTERED = "reference.group-registered.v1"
MEMBER_ENROLLED = "reference.member-enrolled.v1"
REGISTER_GROUP = "reference.register-group.v1"
GROUP_INFORMATION_UPDATED = "reference.group-information-updated.v1"
UPLOAD_ACCEPTED = "enrollment.upload-accepted.v1"
MEMBER_ROW_PARSED = "enrollment.member-row-parsed.v1"
APPLICATION_CLASSIFIED = "enrollment.application-classified.v1"
APPLICATION_RECORDED = "enrollment.application-recorded.v1"
VALIDATE_APPLICATION = "enrollment.validate-application.v1"
APPLICATION_LIFECYCLE = "enrollment.application-lifecycle.v1"
UPLOAD_PROGRESSED = "enrollment.upload-progressed.v1"
TRANSACTION_RECORDED = "transactions.transaction-recorded.v1"

# Which topic carries each message type: a publisher picks its topic from this.
TOPIC_OF = {
    "GroupRegistered": GROUP_REGISTERED,
    "MemberEnrolled": MEMBER_ENROLLED,
    "RegisterGroup": REGISTER_GROUP,
    "GroupInformationUpdated": GROUP_INFORMATION_UPDATED,
    "UploadAccepted": UPLOAD_ACCEPTED,
    "MemberRowParsed": MEMBER_ROW_PARSED,
    "ApplicationClassified": APPLICATION_CLASSIFIED,
    "ApplicationRecorded": APPLICATION_RECORDED,
    "ValidateApplication": VALIDATE_APPLICATION,
    "UploadProgressed": UPLOAD_PROGRESSED,
    "TransactionRecorded": TRANSACTION_RECORDED,
    **dict.fromkeys(
        (
            "ApplicationEdited",
            "ApplicationDeleted",
            "ApplicationSavedForLater",
            "ApplicationExpired",
            "ApplicationSubmitted",
            "ArbitrationAgreementAttached",
        ),
        APPLICATION_LIFECYCLE,
    ),
}

# Beside each topic: where batches that keep failing are moved (see shared.kafka.dead_letters).
DEAD_LETTER_SUFFIX = ".dead-letter"

ALL = (
    GROUP_REGISTERED,
    MEMBER_ENROLLED,
    REGISTER_GROUP,
    GROUP_INFORMATION_UPDATED,
    UPLOAD_ACCEPTED,
    MEMBER_ROW_PARSED,
    APPLICATION_CLASSIFIED,
    APPLICATION_RECORDED,
    VALIDATE_APPLICATION,
    APPLICATION_LIFECYCLE,
    UPLOAD_PROGRESSED,
    TRANSACTION_RECORDED,
)


@dataclass(frozen=True)
class Topics:
    """Topic names with a deployment prefix applied."""

    prefix: str = ""

    def __getattr__(self, name: str) -> str:
        base = globals().get(name.upper())
        if not isinstance(base, str):
            raise AttributeError(name)
        return self.prefix + base

    def all(self) -> list[str]:
        return [self.prefix + name for name in ALL]

    def dead_letters(self) -> list[str]:
        return [name + DEAD_LETTER_SUFFIX for name in self.all()]
