package asksage

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// ok is the answer Ask Sage gives on success of a dataset change.
var ok = envelope{Response: "OK", Status: http.StatusOK}

// HandleDatasetAdd serves POST /user/add-dataset.
func HandleDatasetAdd(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req datasetAddRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		var class string
		if req.Classification != nil {
			class = *req.Classification
		}
		c, err := core.ParseClassification(class)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if _, err := svc.AddDataset(r.Context(), req.Dataset, c); err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, ok)
	})
}

// HandleDatasetDelete serves POST /user/delete-dataset.
func HandleDatasetDelete(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req datasetRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		if err := svc.DeleteDataset(r.Context(), req.Dataset); err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, ok)
	})
}

// HandleDatasetShare serves POST /user/assign-dataset and
// /user/update-permission-dataset: both grant or change a share (the level
// defaults to read).
func HandleDatasetShare(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req shareRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		level, err := req.permission()
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		perm, err := core.ParsePermission(level)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if req.Email == "" {
			writeError(w, r, log, gatehouse.Err(gatehouse.ReasonEmailRequired))
			return
		}
		if err := svc.ShareDataset(r.Context(), req.Dataset, req.Email, perm); err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, ok)
	})
}

// HandleDatasetUnshare serves POST /user/deassign-dataset.
func HandleDatasetUnshare(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req shareRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		if err := svc.UnshareDataset(r.Context(), req.Dataset, req.Email); err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, ok)
	})
}

// HandleDatasetsList serves /user/get-datasets-with-permissions (POST, and
// GET as the OpenAPI file lists it): the caller's datasets as owner and
// those shared with them, with the level.
func HandleDatasetsList(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req datasetsRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		as, err := svc.ListDatasets(r.Context())
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, envelope{Response: toDatasetRows(as), Status: http.StatusOK})
	})
}

// HandleServerDatasets serves /server/get-datasets: the full names of every
// dataset the caller can use.
func HandleServerDatasets(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{}
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		as, err := svc.ListDatasets(r.Context())
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, envelope{Response: toDatasetNames(as), Status: http.StatusOK})
	})
}
