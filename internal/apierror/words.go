package apierror

import (
	"net/http"

	"github.com/gatehouse/gatehouse"
)

// statusOf is the one code→status table; a surface overrides a status only
// where its wire contract says otherwise.
var statusOf = map[string]int{
	gatehouse.EINVALID:      http.StatusBadRequest,
	gatehouse.EUNAUTHORIZED: http.StatusUnauthorized,
	gatehouse.EFORBIDDEN:    http.StatusForbidden,
	gatehouse.EINACTIVE:     http.StatusForbidden,
	gatehouse.ENOTFOUND:     http.StatusNotFound,
	gatehouse.ECONFLICT:     http.StatusConflict,
	gatehouse.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	gatehouse.ERATELIMIT:    http.StatusTooManyRequests,
	gatehouse.EUNAVAILABLE:  http.StatusServiceUnavailable,
	gatehouse.EINTERNAL:     http.StatusInternalServerError,
	gatehouse.EUPSTREAM:     http.StatusBadGateway,
	gatehouse.ETIMEOUT:      http.StatusGatewayTimeout,
}

// codeText is gatehouse's own words for each code's generic case (the zero
// Reason). Templates: see render.
var codeText = map[string]string{
	gatehouse.EINVALID:      "The request is not valid.",
	gatehouse.EUNAUTHORIZED: "The credentials are not valid.",
	gatehouse.EFORBIDDEN:    "These credentials cannot be used for this operation.",
	gatehouse.EINACTIVE:     "This account is not active. Ask the administrator to activate it.",
	gatehouse.ENOTFOUND:     "Not found.",
	gatehouse.ECONFLICT:     "Already exists.",
	gatehouse.ETOOLARGE:     "The request is too large.",
	gatehouse.ERATELIMIT:    "Too many requests; try again in {retry}.",
	gatehouse.EUNAVAILABLE:  "The database is busy or unavailable; try again.",
	gatehouse.EINTERNAL:     "Internal error.",
	gatehouse.EUPSTREAM:     "The model server failed.",
	gatehouse.ETIMEOUT:      "The model server did not answer in time.",
}

// reasonText is gatehouse's own words for each reason: what the command
// line says, and every surface unless its table words the reason itself.
// apierror_test.go fails when a reason of gatehouse.Reasons() has none.
var reasonText = map[gatehouse.Reason]string{
	gatehouse.ReasonBodyTooLarge:      "Request body is too large (limit {limit} bytes).",
	gatehouse.ReasonBodyUnreadable:    "Could not read the request body.",
	gatehouse.ReasonBodyNotUTF8:       "Request body is not valid UTF-8.",
	gatehouse.ReasonBodyNotJSON:       "Request body is not valid JSON.",
	gatehouse.ReasonBodyNotObject:     "Request body must be a JSON object.",
	gatehouse.ReasonBodyNUL:           "Strings in the request body must not contain NUL characters.",
	gatehouse.ReasonDuplicateKey:      "Duplicate key {name} in the request body.",
	gatehouse.ReasonBodyTooDeep:       "Request body is nested too deeply.",
	gatehouse.ReasonBodyTrailingData:  "Request body has data after the JSON object.",
	gatehouse.ReasonFieldType:         "Field {name} has the wrong type.",
	gatehouse.ReasonExpectedInteger:   "Expected an integer.",
	gatehouse.ReasonExpectedBoolean:   "Expected a boolean.",
	gatehouse.ReasonFormUnreadable:    "Could not read the form.",
	gatehouse.ReasonFormTooManyFields: "The form has too many fields (limit {limit}).",
	gatehouse.ReasonFormTooManyParts:  "The form has too many parts (limit {limit}).",
	gatehouse.ReasonFileTooLarge:      "File {name} is too large (limit {limit} bytes).",
	gatehouse.ReasonFormFieldTooLarge: "Form field {name} is too large (limit {limit} bytes).",
	gatehouse.ReasonFormValueInvalid:  "Form values must be valid UTF-8 without NUL characters.",

	gatehouse.ReasonEmailRequired:        "email is required.",
	gatehouse.ReasonEmailInvalid:         "email is not a valid address.",
	gatehouse.ReasonPasswordNotUTF8:      "password must be valid UTF-8.",
	gatehouse.ReasonPasswordTooShort:     "password must be at least {limit} characters.",
	gatehouse.ReasonPasswordTooLong:      "password must be at most {limit} characters.",
	gatehouse.ReasonPasswordMismatch:     "confirm_password must match password.",
	gatehouse.ReasonPasswordHashRequired: "password hash is required.",
	gatehouse.ReasonUnknownStatus:        "unknown account status.",
	gatehouse.ReasonCompanyIDTooLong:     "company_id is too long.",
	gatehouse.ReasonEmailTaken:           "An account with this email already exists.",
	gatehouse.ReasonNoSuchAccount:        "No account with email {name}.",
	gatehouse.ReasonAccountDisabled:      "The account is disabled; activate it first.",

	gatehouse.ReasonBadExchange:            "Invalid email or API key.",
	gatehouse.ReasonExchangeFieldsRequired: "email and api_key are required.",
	gatehouse.ReasonAccountScope:           "This operation needs account-scoped credentials.",
	gatehouse.ReasonOtherApp:               "These credentials are not valid for this app.",
	gatehouse.ReasonServiceAccountMismatch: "The serviceAccountId provided does not match supplied credentials",
	gatehouse.ReasonBadLogin:               "Invalid email or password.",
	gatehouse.ReasonAccountPending:         "Your account is waiting for an administrator to activate it.",
	gatehouse.ReasonAdminSelf:              "You cannot deactivate your own account.",

	gatehouse.ReasonUserRequired:       "user is required.",
	gatehouse.ReasonKeyNameRequired:    "name is required.",
	gatehouse.ReasonKeyNameTooLong:     "name must be at most {limit} characters.",
	gatehouse.ReasonKeyNameControl:     "name must not contain control characters.",
	gatehouse.ReasonIDRequired:         "id is required.",
	gatehouse.ReasonAPIKeysMax:         "An account may hold at most {limit} API keys; delete one first.",
	gatehouse.ReasonAPIKeyNotFound:     "API key not found.",
	gatehouse.ReasonAccountKeysMax:     "An account may hold at most {limit} account keys; delete one first.",
	gatehouse.ReasonAccountKeyNotFound: "Account key not found.",
	gatehouse.ReasonLimitRange:         "limit must be between 1 and {limit}.",

	gatehouse.ReasonDatasetRequired:     "dataset is required.",
	gatehouse.ReasonNameTooLong:         "The dataset name is too long (at most {limit} characters).",
	gatehouse.ReasonDatasetNameChars:    "Dataset names may contain only letters, digits and hyphens; no spaces.",
	gatehouse.ReasonDatasetNameTooShort: "The dataset name is too short (at least {limit} characters).",
	gatehouse.ReasonClassification:      "classification must be Unclassified or CUI.",
	gatehouse.ReasonPermission:          "permission must be read, edit or admin.",
	gatehouse.ReasonPermissionConflict:  "permission and permissions differ.",
	gatehouse.ReasonDatasetNotFound:     "Dataset not found.",
	gatehouse.ReasonDatasetExists:       "A dataset with this name already exists.",
	gatehouse.ReasonCACRequired:         "A CAC-authenticated session is required to add a CUI dataset.",
	gatehouse.ReasonOwnerOnly:           "Only the owner can delete a dataset.",
	gatehouse.ReasonAdminToShare:        "You need admin permission on this dataset to share it.",
	gatehouse.ReasonAdminToUnshare:      "You need admin permission on this dataset to change who can use it.",
	gatehouse.ReasonShareOwner:          "The owner of a dataset always has full access to it.",
	gatehouse.ReasonUnshareOwner:        "The owner of a dataset cannot be removed from it.",
	gatehouse.ReasonShareSelf:           "You cannot change your own permission.",
	gatehouse.ReasonNoShare:             "That user has no access to this dataset.",

	gatehouse.ReasonChatNotFound:         "Chat session not found.",
	gatehouse.ReasonSessionIDRequired:    "session_id is required.",
	gatehouse.ReasonChatsEmpty:           "chats must hold at least one message.",
	gatehouse.ReasonAppendMax:            "At most {limit} messages may be appended at once.",
	gatehouse.ReasonChatsShape:           `chats must be {"chats": [{"user": "me"|"gpt", "message": "..."}]}.`,
	gatehouse.ReasonChatRole:             `Each message's user must be "me" or "gpt".`,
	gatehouse.ReasonChatTitleTooLong:     "The chat title is too long (at most {limit} characters).",
	gatehouse.ReasonChatMessageTooLong:   "A chat message is too long (at most {limit} bytes).",
	gatehouse.ReasonSessionFull:          "This chat session is full (a session holds at most {limit} bytes); start a new session.",
	gatehouse.ReasonChatStorageFull:      "Your chat storage is full (an account's chats hold at most {limit} bytes); delete chat sessions to make room.",
	gatehouse.ReasonMessageRequired:      "message is required.",
	gatehouse.ReasonMessageShape:         `message must be a string or [{"user": "me"|"gpt", "message": "..."}].`,
	gatehouse.ReasonTemperatureNotNumber: "temperature must be a number.",
	gatehouse.ReasonTemperatureRange:     "temperature must be between 0 and 2.",

	gatehouse.ReasonNoModelServer:     "No model server is configured; start gatehouse with --llm-url.",
	gatehouse.ReasonModelUnreachable:  "The model server could not be reached.",
	gatehouse.ReasonModelStatus:       "The model server failed (HTTP {limit}).",
	gatehouse.ReasonModelBadJSON:      "The model server's answer is not valid JSON.",
	gatehouse.ReasonModelTooLarge:     "The model server's answer is too large.",
	gatehouse.ReasonModelNoCompletion: "The model server returned no completion.",
	gatehouse.ReasonModelNoModels:     "The model server lists no models; name one in the request.",

	gatehouse.ReasonAppNotFound:           "App not found.",
	gatehouse.ReasonAppKeyNotFound:        "App key not found.",
	gatehouse.ReasonDisplayNameRequired:   "displayName is required.",
	gatehouse.ReasonAppNameLength:         "displayName must be 1 to {limit} characters.",
	gatehouse.ReasonKeyDisplayNameTooLong: "displayName must be at most {limit} characters.",
	gatehouse.ReasonBadPage:               "The page parameters are not valid.",
	gatehouse.ReasonAppKeysMax:            "An app can have a maximum of {limit} keys.",
	gatehouse.ReasonRetentionNegative:     "conversationRetentionSeconds must be at least 0.",
	gatehouse.ReasonMultiConvoLocked:      "multiConvoEnabled cannot be disabled once enabled.",
	gatehouse.ReasonMetadataNotObject:     "metadata must be an object.",
	gatehouse.ReasonMetadataValue:         "metadata values must be strings, numbers or booleans.",
	gatehouse.ReasonMetadataTooLarge:      "App metadata is limited to {limit} bytes in size.",

	gatehouse.ReasonServerBusy:   "The server is busy; try again shortly.",
	gatehouse.ReasonDatabaseDown: "The database is unavailable.",
	gatehouse.ReasonMasterKeyMismatch: "The master key differs from the one this database's secrets were sealed with: every node and admin command " +
		"must use the same key (GATEHOUSE_MASTER_KEY, or the data directory's master.key).",
}
