"""Operations of the spec whose issue is still open: they answer 501 through `resolver_error`.

This is the one list; the contract tests read it. It shrinks to nothing as the other issues land.
"""


def _crud(noun: str, plural: str, delete: bool = True) -> set[str]:
    ops = {f"list_{plural}", f"create_{noun}", f"get_{noun}", f"update_{noun}"}
    return ops | ({f"delete_{noun}"} if delete else set())


ISSUE_4_FILES = {
    "upload_file",
    "list_files",
    "delete_file",
    "save_files_from_urls",
    "save_temporary_files",
    "get_file_temporary_url",
    "download_file",
    "upload_temporary_file",
    "import_people",
    "export_people",
    "attach_person_ine",
    "face_match_person",
    "create_person_signer",
    "list_person_signature_documents",
}

ISSUE_5_VALIDATIONS_AND_EVENTS = (
    _crud("validation", "validations", delete=False)
    | {"list_validation_results", "get_validation_result", "run_validation_result"}
    | _crud("notification_channel", "notification_channels")
    | {"list_notification_channel_deliveries", "retry_notification_channel_delivery"}
    | {"run_person_validations", "run_person_address_validations", "list_person_validation_results"}
)

PENDING_OPERATIONS: frozenset[str] = frozenset(ISSUE_4_FILES | ISSUE_5_VALIDATIONS_AND_EVENTS)
