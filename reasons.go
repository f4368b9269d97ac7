package gatehouse

// Every Reason, in one place. Each is one case of a code that some surface
// (or the command line) words apart from the code's generic case; the words
// are in internal/apierror (gatehouse's own) and in each surface's table
// (its wire words). reasons_test.go fails when a Reason declared here is
// missing from Reasons() or two share a name.

// Request bodies and forms (internal/httpio, the dialects' wire types).
var (
	// ReasonBodyTooLarge: the body is over the surface's limit (Limit).
	ReasonBodyTooLarge = Reason{ETOOLARGE, "body_too_large"}
	// ReasonBodyUnreadable: the body could not be read.
	ReasonBodyUnreadable = Reason{EINVALID, "body_unreadable"}
	// ReasonBodyNotUTF8: the body is not valid UTF-8.
	ReasonBodyNotUTF8 = Reason{EINVALID, "body_not_utf8"}
	// ReasonBodyNotJSON: the body is not valid JSON.
	ReasonBodyNotJSON = Reason{EINVALID, "body_not_json"}
	// ReasonBodyNotObject: the body is JSON but not an object.
	ReasonBodyNotObject = Reason{EINVALID, "body_not_object"}
	// ReasonBodyNUL: a string of the body holds a NUL.
	ReasonBodyNUL = Reason{EINVALID, "body_nul"}
	// ReasonDuplicateKey: an object of the body repeats the key Name.
	ReasonDuplicateKey = Reason{EINVALID, "duplicate_key"}
	// ReasonBodyTooDeep: the body nests too deeply.
	ReasonBodyTooDeep = Reason{EINVALID, "body_too_deep"}
	// ReasonBodyTrailingData: something follows the body's object.
	ReasonBodyTrailingData = Reason{EINVALID, "body_trailing_data"}
	// ReasonFieldType: the field Name has the wrong JSON type.
	ReasonFieldType = Reason{EINVALID, "field_type"}
	// ReasonExpectedInteger: a field that takes an integer got something else.
	ReasonExpectedInteger = Reason{EINVALID, "expected_integer"}
	// ReasonExpectedBoolean: a field that takes a boolean got something else.
	ReasonExpectedBoolean = Reason{EINVALID, "expected_boolean"}
	// ReasonFormUnreadable: the form could not be read.
	ReasonFormUnreadable = Reason{EINVALID, "form_unreadable"}
	// ReasonFormTooManyFields: a url-encoded form has more than Limit fields.
	ReasonFormTooManyFields = Reason{ETOOLARGE, "form_too_many_fields"}
	// ReasonFormTooManyParts: a multipart form has more than Limit parts.
	ReasonFormTooManyParts = Reason{ETOOLARGE, "form_too_many_parts"}
	// ReasonFileTooLarge: the file part Name is over Limit bytes.
	ReasonFileTooLarge = Reason{ETOOLARGE, "file_too_large"}
	// ReasonFormFieldTooLarge: the form field Name is over Limit bytes.
	ReasonFormFieldTooLarge = Reason{ETOOLARGE, "form_field_too_large"}
	// ReasonFormValueInvalid: a form value is not UTF-8 or holds a NUL.
	ReasonFormValueInvalid = Reason{EINVALID, "form_value_invalid"}
)

// Accounts.
var (
	// ReasonEmailRequired: no e-mail was given.
	ReasonEmailRequired = Reason{EINVALID, "email_required"}
	// ReasonEmailInvalid: the e-mail is not a valid address.
	ReasonEmailInvalid = Reason{EINVALID, "email_invalid"}
	// ReasonPasswordNotUTF8: the password is not valid UTF-8.
	ReasonPasswordNotUTF8 = Reason{EINVALID, "password_not_utf8"}
	// ReasonPasswordTooShort: the password has fewer than Limit characters.
	ReasonPasswordTooShort = Reason{EINVALID, "password_too_short"}
	// ReasonPasswordTooLong: the password has more than Limit characters.
	ReasonPasswordTooLong = Reason{EINVALID, "password_too_long"}
	// ReasonPasswordMismatch: the confirmation is not the password.
	ReasonPasswordMismatch = Reason{EINVALID, "password_mismatch"}
	// ReasonPasswordHashRequired: an account to store has no password hash.
	ReasonPasswordHashRequired = Reason{EINVALID, "password_hash_required"}
	// ReasonUnknownStatus: an account state that is not one of UserStatus's.
	ReasonUnknownStatus = Reason{EINVALID, "unknown_status"}
	// ReasonCompanyIDTooLong: company_id is too long (or not UTF-8).
	ReasonCompanyIDTooLong = Reason{EINVALID, "company_id_too_long"}
	// ReasonEmailTaken: an account already has that e-mail.
	ReasonEmailTaken = Reason{ECONFLICT, "email_taken"}
	// ReasonNoSuchAccount: no account has the e-mail Name (Ask Sage
	// answers 410).
	ReasonNoSuchAccount = Reason{ENOTFOUND, "no_such_account"}
	// ReasonAccountDisabled: the account is disabled and must be
	// activated first.
	ReasonAccountDisabled = Reason{EINACTIVE, "account_disabled"}
)

// Credentials and who may use them.
var (
	// ReasonBadExchange: a token exchange's e-mail and API key do not match.
	ReasonBadExchange = Reason{EUNAUTHORIZED, "bad_exchange"}
	// ReasonExchangeFieldsRequired: a token exchange lacks the e-mail or key.
	ReasonExchangeFieldsRequired = Reason{EINVALID, "exchange_fields_required"}
	// ReasonAccountScope: the operation needs an account key.
	ReasonAccountScope = Reason{EFORBIDDEN, "account_scope"}
	// ReasonOtherApp: an app key used on another app.
	ReasonOtherApp = Reason{EFORBIDDEN, "other_app"}
	// ReasonServiceAccountMismatch: a Sunshine listing filtered by a
	// service account the credentials are not.
	ReasonServiceAccountMismatch = Reason{EFORBIDDEN, "service_account_mismatch"}
	// ReasonBadLogin: a console login's e-mail and password do not match
	// (the same answer whether or not the account exists).
	ReasonBadLogin = Reason{EUNAUTHORIZED, "bad_login"}
	// ReasonAccountPending: the password is right but the account waits
	// for an administrator to activate it.
	ReasonAccountPending = Reason{EINACTIVE, "account_pending"}
	// ReasonAdminSelf: an administrator may not deactivate their own
	// account from the console (the operator's command line may).
	ReasonAdminSelf = Reason{EINVALID, "admin_self"}
)

// API keys and account keys.
var (
	// ReasonUserRequired: a key to store has no user.
	ReasonUserRequired = Reason{EINVALID, "user_required"}
	// ReasonKeyNameRequired: a key needs a name.
	ReasonKeyNameRequired = Reason{EINVALID, "key_name_required"}
	// ReasonKeyNameTooLong: a key's name has more than Limit characters.
	ReasonKeyNameTooLong = Reason{EINVALID, "key_name_too_long"}
	// ReasonKeyNameControl: a key's name holds a control character.
	ReasonKeyNameControl = Reason{EINVALID, "key_name_control"}
	// ReasonIDRequired: the request names no id.
	ReasonIDRequired = Reason{EINVALID, "id_required"}
	// ReasonAPIKeysMax: the account holds Limit API keys already.
	ReasonAPIKeysMax = Reason{ECONFLICT, "api_keys_max"}
	// ReasonAPIKeyNotFound: no API key of the caller has that id.
	ReasonAPIKeyNotFound = Reason{ENOTFOUND, "api_key_not_found"}
	// ReasonAccountKeysMax: the account holds Limit account keys already.
	ReasonAccountKeysMax = Reason{ECONFLICT, "account_keys_max"}
	// ReasonAccountKeyNotFound: no account key of the caller has that id.
	ReasonAccountKeyNotFound = Reason{ENOTFOUND, "account_key_not_found"}
	// ReasonLimitRange: a listing's limit is not between 1 and Limit.
	ReasonLimitRange = Reason{EINVALID, "limit_range"}
)

// Datasets.
var (
	// ReasonDatasetRequired: no dataset was named.
	ReasonDatasetRequired = Reason{EINVALID, "dataset_required"}
	// ReasonNameTooLong: a dataset name over Limit characters (Ask Sage
	// answers 406).
	ReasonNameTooLong = Reason{EINVALID, "name_too_long"}
	// ReasonDatasetNameChars: a dataset name holds a character other than
	// letters, digits and hyphens.
	ReasonDatasetNameChars = Reason{EINVALID, "dataset_name_chars"}
	// ReasonDatasetNameTooShort: a dataset name under Limit characters.
	ReasonDatasetNameTooShort = Reason{EINVALID, "dataset_name_too_short"}
	// ReasonClassification: not a classification gatehouse knows.
	ReasonClassification = Reason{EINVALID, "classification"}
	// ReasonPermission: not a level a share may have.
	ReasonPermission = Reason{EINVALID, "permission"}
	// ReasonPermissionConflict: "permission" and "permissions" disagree.
	ReasonPermissionConflict = Reason{EINVALID, "permission_conflict"}
	// ReasonDatasetNotFound: no dataset of that name the caller can use.
	ReasonDatasetNotFound = Reason{ENOTFOUND, "dataset_not_found"}
	// ReasonDatasetExists: the caller has a dataset of that name already.
	ReasonDatasetExists = Reason{ECONFLICT, "dataset_exists"}
	// ReasonCACRequired: a CUI dataset needs a CAC-authenticated session
	// (Ask Sage answers 407).
	ReasonCACRequired = Reason{EFORBIDDEN, "cac_required"}
	// ReasonOwnerOnly: only the owner may delete a dataset.
	ReasonOwnerOnly = Reason{EFORBIDDEN, "owner_only"}
	// ReasonAdminToShare: sharing needs admin on the dataset.
	ReasonAdminToShare = Reason{EFORBIDDEN, "admin_to_share"}
	// ReasonAdminToUnshare: removing another's share needs admin on the
	// dataset.
	ReasonAdminToUnshare = Reason{EFORBIDDEN, "admin_to_unshare"}
	// ReasonShareOwner: the owner cannot be given a share.
	ReasonShareOwner = Reason{EINVALID, "share_owner"}
	// ReasonUnshareOwner: the owner cannot be removed.
	ReasonUnshareOwner = Reason{EINVALID, "unshare_owner"}
	// ReasonShareSelf: a caller cannot change their own share.
	ReasonShareSelf = Reason{EINVALID, "share_self"}
	// ReasonNoShare: that account has no share of the dataset.
	ReasonNoShare = Reason{ENOTFOUND, "no_share"}
)

// Chats and queries.
var (
	// ReasonChatNotFound: no chat session of the caller has that id.
	ReasonChatNotFound = Reason{ENOTFOUND, "chat_not_found"}
	// ReasonSessionIDRequired: no session id was given.
	ReasonSessionIDRequired = Reason{EINVALID, "session_id_required"}
	// ReasonChatsEmpty: an append of no messages.
	ReasonChatsEmpty = Reason{EINVALID, "chats_empty"}
	// ReasonAppendMax: an append of more than Limit messages.
	ReasonAppendMax = Reason{EINVALID, "append_max"}
	// ReasonChatsShape: append-chat's chats is not a list of messages.
	ReasonChatsShape = Reason{EINVALID, "chats_shape"}
	// ReasonChatRole: a message of a speaker other than the user or the
	// model.
	ReasonChatRole = Reason{EINVALID, "chat_role"}
	// ReasonChatTitleTooLong: a chat title over Limit characters.
	ReasonChatTitleTooLong = Reason{EINVALID, "chat_title_too_long"}
	// ReasonChatMessageTooLong: a chat message over Limit bytes.
	ReasonChatMessageTooLong = Reason{ETOOLARGE, "chat_message_too_long"}
	// ReasonSessionFull: the session would hold more than Limit bytes.
	ReasonSessionFull = Reason{ECONFLICT, "session_full"}
	// ReasonChatStorageFull: the account's chats would hold more than
	// Limit bytes.
	ReasonChatStorageFull = Reason{ECONFLICT, "chat_storage_full"}
	// ReasonMessageRequired: a query with no prompt.
	ReasonMessageRequired = Reason{EINVALID, "message_required"}
	// ReasonMessageShape: a query's message is neither text nor a history.
	ReasonMessageShape = Reason{EINVALID, "message_shape"}
	// ReasonTemperatureNotNumber: a temperature that is not a number.
	ReasonTemperatureNotNumber = Reason{EINVALID, "temperature_not_number"}
	// ReasonTemperatureRange: a temperature outside 0..2.
	ReasonTemperatureRange = Reason{EINVALID, "temperature_range"}
)

// The model server.
var (
	// ReasonNoModelServer: gatehouse runs without a model server.
	ReasonNoModelServer = Reason{EUNAVAILABLE, "no_model_server"}
	// ReasonModelUnreachable: the model server could not be reached.
	ReasonModelUnreachable = Reason{EUPSTREAM, "model_unreachable"}
	// ReasonModelStatus: the model server answered the HTTP status Limit.
	ReasonModelStatus = Reason{EUPSTREAM, "model_status"}
	// ReasonModelBadJSON: the model server's answer is not JSON.
	ReasonModelBadJSON = Reason{EUPSTREAM, "model_bad_json"}
	// ReasonModelTooLarge: the model server's answer is too large.
	ReasonModelTooLarge = Reason{EUPSTREAM, "model_too_large"}
	// ReasonModelNoCompletion: the model server's answer holds no completion.
	ReasonModelNoCompletion = Reason{EUPSTREAM, "model_no_completion"}
	// ReasonModelNoModels: no model was named and the server lists none.
	ReasonModelNoModels = Reason{EUPSTREAM, "model_no_models"}
)

// Apps and app keys (Sunshine).
var (
	// ReasonAppNotFound: no app of the caller's account has that id.
	ReasonAppNotFound = Reason{ENOTFOUND, "app_not_found"}
	// ReasonAppKeyNotFound: the app has no key of that id.
	ReasonAppKeyNotFound = Reason{ENOTFOUND, "app_key_not_found"}
	// ReasonDisplayNameRequired: an app or app key needs a displayName.
	ReasonDisplayNameRequired = Reason{EINVALID, "display_name_required"}
	// ReasonAppNameLength: an app's displayName is not 1 to Limit characters.
	ReasonAppNameLength = Reason{EINVALID, "app_name_length"}
	// ReasonKeyDisplayNameTooLong: an app key's displayName over Limit
	// characters.
	ReasonKeyDisplayNameTooLong = Reason{EINVALID, "key_display_name_too_long"}
	// ReasonBadPage: a page of apps asked with bad page parameters.
	ReasonBadPage = Reason{EINVALID, "bad_page"}
	// ReasonAppKeysMax: the app holds Limit keys already.
	ReasonAppKeysMax = Reason{EINVALID, "app_keys_max"}
	// ReasonRetentionNegative: a negative conversation retention.
	ReasonRetentionNegative = Reason{EINVALID, "retention_negative"}
	// ReasonMultiConvoLocked: multiConvoEnabled cannot be turned off.
	ReasonMultiConvoLocked = Reason{EINVALID, "multi_convo_locked"}
	// ReasonMetadataNotObject: metadata that is not an object.
	ReasonMetadataNotObject = Reason{EINVALID, "metadata_not_object"}
	// ReasonMetadataValue: a metadata value that is not a string, number or
	// boolean.
	ReasonMetadataValue = Reason{EINVALID, "metadata_value"}
	// ReasonMetadataTooLarge: metadata over Limit bytes as JSON.
	ReasonMetadataTooLarge = Reason{EINVALID, "metadata_too_large"}
)

// The server itself.
var (
	// ReasonServerBusy: too many passwords are being hashed at once.
	ReasonServerBusy = Reason{EUNAVAILABLE, "server_busy"}
	// ReasonDatabaseDown: the database does not answer.
	ReasonDatabaseDown = Reason{EUNAVAILABLE, "database_down"}
	// ReasonMasterKeyMismatch: the master key is not the one the
	// database's secrets were sealed with.
	ReasonMasterKeyMismatch = Reason{EINVALID, "master_key_mismatch"}
)

// Reasons returns every Reason declared above.
func Reasons() []Reason {
	return []Reason{
		ReasonBodyTooLarge, ReasonBodyUnreadable, ReasonBodyNotUTF8, ReasonBodyNotJSON, ReasonBodyNotObject,
		ReasonBodyNUL, ReasonDuplicateKey, ReasonBodyTooDeep, ReasonBodyTrailingData, ReasonFieldType,
		ReasonExpectedInteger, ReasonExpectedBoolean, ReasonFormUnreadable, ReasonFormTooManyFields,
		ReasonFormTooManyParts, ReasonFileTooLarge, ReasonFormFieldTooLarge, ReasonFormValueInvalid,

		ReasonEmailRequired, ReasonEmailInvalid, ReasonPasswordNotUTF8, ReasonPasswordTooShort,
		ReasonPasswordTooLong, ReasonPasswordMismatch, ReasonPasswordHashRequired, ReasonUnknownStatus,
		ReasonCompanyIDTooLong, ReasonEmailTaken, ReasonNoSuchAccount, ReasonAccountDisabled,

		ReasonBadExchange, ReasonExchangeFieldsRequired, ReasonAccountScope, ReasonOtherApp,
		ReasonServiceAccountMismatch, ReasonBadLogin, ReasonAccountPending, ReasonAdminSelf,

		ReasonUserRequired, ReasonKeyNameRequired, ReasonKeyNameTooLong, ReasonKeyNameControl, ReasonIDRequired,
		ReasonAPIKeysMax, ReasonAPIKeyNotFound, ReasonAccountKeysMax, ReasonAccountKeyNotFound, ReasonLimitRange,

		ReasonDatasetRequired, ReasonNameTooLong, ReasonDatasetNameChars, ReasonDatasetNameTooShort,
		ReasonClassification, ReasonPermission, ReasonPermissionConflict, ReasonDatasetNotFound,
		ReasonDatasetExists, ReasonCACRequired, ReasonOwnerOnly, ReasonAdminToShare, ReasonAdminToUnshare,
		ReasonShareOwner, ReasonUnshareOwner, ReasonShareSelf, ReasonNoShare,

		ReasonChatNotFound, ReasonSessionIDRequired, ReasonChatsEmpty, ReasonAppendMax, ReasonChatsShape,
		ReasonChatRole, ReasonChatTitleTooLong, ReasonChatMessageTooLong, ReasonSessionFull,
		ReasonChatStorageFull, ReasonMessageRequired, ReasonMessageShape, ReasonTemperatureNotNumber,
		ReasonTemperatureRange,

		ReasonNoModelServer, ReasonModelUnreachable, ReasonModelStatus, ReasonModelBadJSON, ReasonModelTooLarge,
		ReasonModelNoCompletion, ReasonModelNoModels,

		ReasonAppNotFound, ReasonAppKeyNotFound, ReasonDisplayNameRequired, ReasonAppNameLength,
		ReasonKeyDisplayNameTooLong, ReasonBadPage, ReasonAppKeysMax, ReasonRetentionNegative,
		ReasonMultiConvoLocked, ReasonMetadataNotObject, ReasonMetadataValue, ReasonMetadataTooLarge,

		ReasonServerBusy, ReasonDatabaseDown, ReasonMasterKeyMismatch,
	}
}
