package sumtyme

import (
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/apierror"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// Errors is this dialect's error table and its envelope {"detail": ...}.
var Errors = &apierror.Surface{
	Codes: map[string]apierror.Words{
		gatehouse.ENOTFOUND: {Text: "Not Found"}, // as sumtyme's FastAPI says it
	},
	Render: func(w http.ResponseWriter, status int, _, text string) {
		httpio.JSON(w, status, errorResponse{Detail: text})
	},
}
