"""Operations of the spec whose issue is still open: they answer 501 through `resolver_error`.

This is the one list; the contract tests read it. It shrinks to nothing as the other issues land.
"""


def _crud(noun: str, plural: str, delete: bool = True) -> set[str]:
    ops = {f"list_{plural}", f"create_{noun}", f"get_{noun}", f"update_{noun}"}
    return ops | ({f"delete_{noun}"} if delete else set())


ISSUE_3_RECORDS = (
    _crud("address", "addresses")
    | _crud("biometric", "biometrics")
    | _crud("contact_data", "contact_data")
    | {"send_contact_data_sms", "verify_contact_data_sms", "send_contact_data_email", "verify_contact_data_email"}
    | _crud("reference", "references")
    | _crud("employment_data", "employment_data")
    | _crud("bank_data", "bank_data")
    | _crud("financial_data", "financial_data")
    | _crud("temporary_person", "temporary_people", delete=False)
    | {"promote_temporary_person"}
    | {"list_credit_bureau_requests", "create_credit_bureau_request", "get_credit_bureau_request"}
    | {"delete_credit_bureau_request"}
    | _crud("custom_catalog", "custom_catalogs", delete=False)
    | _crud("custom_catalog_value", "custom_catalog_values", delete=False)
    | {"bulk_create_custom_catalog_values"}
    | _crud("dynamic_property", "dynamic_properties", delete=False)
    | {"save_dynamic_property_values", "list_dynamic_values", "get_dynamic_value"}
    | {"list_person_biometrics", "list_person_dynamic_values"}
)

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

PENDING_OPERATIONS: frozenset[str] = frozenset(ISSUE_3_RECORDS | ISSUE_4_FILES | ISSUE_5_VALIDATIONS_AND_EVENTS)
