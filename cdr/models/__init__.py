"""Child death review records, one module per feature.

Every table holds case data and so carries its partnership through
tracker.case_records.PartnershipScoped (a guard test checks it). The child's identifying
details live only in `ChildIdentity`, which anonymised pages and exports never load.
"""

from cdr.models.agencies import AGENCY_KINDS, CaseAgency
from cdr.models.case import (
    CATEGORIES,
    CONFIRMED_ANALYSIS,
    DOMAINS,
    DRAFT_ANALYSIS,
    ETHNICITIES,
    EXPECTED,
    GRADES,
    JAR_CRITERIA,
    MODIFIABLE,
    NHS_NUMBER_ABSENT,
    NOTIFIER_SOURCES,
    PLACES_OF_DEATH,
    SEXES,
    STAGES,
    YES_NO,
    ChildDeathCase,
)
from cdr.models.identity import ChildIdentity
from cdr.models.meetings import RapidResponseMeeting
from cdr.models.notifications import CaseNotification, CaseTransfer
from cdr.models.panel import CaseAction, PanelItem, PanelMeeting
from cdr.models.public import PublicFormUse, PublicNotification
from cdr.models.requests import CORE_REPORTING_FORM, REPORTING_FORMS, AgencyRequest

__all__ = [
    "AGENCY_KINDS",
    "CATEGORIES",
    "CONFIRMED_ANALYSIS",
    "DOMAINS",
    "DRAFT_ANALYSIS",
    "ETHNICITIES",
    "NHS_NUMBER_ABSENT",
    "YES_NO",
    "CaseAgency",
    "CORE_REPORTING_FORM",
    "EXPECTED",
    "GRADES",
    "MODIFIABLE",
    "NOTIFIER_SOURCES",
    "STAGES",
    "JAR_CRITERIA",
    "PLACES_OF_DEATH",
    "REPORTING_FORMS",
    "SEXES",
    "AgencyRequest",
    "CaseAction",
    "CaseNotification",
    "CaseTransfer",
    "ChildDeathCase",
    "ChildIdentity",
    "PanelItem",
    "PublicFormUse",
    "PublicNotification",
    "PanelMeeting",
    "RapidResponseMeeting",
]
