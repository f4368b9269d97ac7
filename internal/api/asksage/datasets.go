package asksage

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/core"
)

// ok is the answer Ask Sage gives on success of a dataset change.
var ok = envelope{Response: "OK", Status: http.StatusOK}

// HandleDatasetAdd serves POST /user/add-dataset.
func HandleDatasetAdd(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, req datasetAddRequest) (any, error) {
		var class string
		if req.Classification != nil {
			class = *req.Classification
		}
		c, err := core.ParseClassification(class)
		if err != nil {
			return nil, err
		}
		_, err = svc.AddDataset(r.Context(), req.Dataset, c)
		return ok, err
	})
}

// HandleDatasetDelete serves POST /user/delete-dataset.
func HandleDatasetDelete(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, req datasetRequest) (any, error) {
		return ok, svc.DeleteDataset(r.Context(), req.Dataset)
	})
}

// HandleDatasetShare serves POST /user/assign-dataset and
// /user/update-permission-dataset: both grant or change a share (the level
// defaults to read).
func HandleDatasetShare(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, req shareRequest) (any, error) {
		level, err := req.permission()
		if err != nil {
			return nil, err
		}
		perm, err := core.ParsePermission(level)
		if err != nil {
			return nil, err
		}
		return ok, svc.ShareDataset(r.Context(), req.Dataset, req.Email, perm)
	})
}

// HandleDatasetUnshare serves POST /user/deassign-dataset.
func HandleDatasetUnshare(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, req shareRequest) (any, error) {
		return ok, svc.UnshareDataset(r.Context(), req.Dataset, req.Email)
	})
}

// HandleDatasetsList serves /user/get-datasets-with-permissions (POST, and
// GET as the OpenAPI file lists it): the caller's datasets as owner and
// those shared with them, with the level.
func HandleDatasetsList(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, _ datasetsRequest) (any, error) {
		as, err := svc.ListDatasets(r.Context())
		if err != nil {
			return nil, err
		}
		return reply(toDatasetRows(as)), nil
	})
}

// HandleServerDatasets serves /server/get-datasets: the full names of every
// dataset the caller can use.
func HandleServerDatasets(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, _ struct{}) (any, error) {
		as, err := svc.ListDatasets(r.Context())
		if err != nil {
			return nil, err
		}
		return reply(toDatasetNames(as)), nil
	})
}
