package sunshine

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
)

// HandleAppsCreate serves POST /v2/apps.
func HandleAppsCreate(svc *core.Service, log *slog.Logger) http.Handler {
	return handleBody(log, http.StatusCreated, func(r *http.Request, b appBody) (any, error) {
		md, err := b.metadata()
		if err != nil {
			return nil, err
		}
		a, err := svc.CreateApp(r.Context(), b.DisplayName, b.Settings.patch(), md.Set)
		if err != nil {
			return nil, err
		}
		return appResponse{App: toApp(a)}, nil
	})
}

// HandleAppsList serves GET /v2/apps with cursor pagination.
func HandleAppsList(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, http.StatusOK, func(r *http.Request) (any, error) {
		q := r.URL.Query()
		page := gatehouse.AppPage{After: q.Get("page[after]"), Before: q.Get("page[before]"), Size: pageSize(q.Get("page[size]")),
			ServiceAccountID: q.Get("filter[serviceAccountId]")}
		list, err := svc.ListApps(r.Context(), page)
		if err != nil {
			return nil, err
		}
		out := appListResponse{Apps: wireList(list.Apps, toApp), Meta: appListMeta{HasMore: list.HasMore}}
		if n := len(list.Apps); n > 0 {
			if list.HasAfter {
				out.Meta.AfterCursor = list.Apps[n-1].ID
				out.Links.Next = pageLink(r, "after", out.Meta.AfterCursor, page.Size)
			}
			if list.HasBefore {
				out.Meta.BeforeCursor = list.Apps[0].ID
				out.Links.Prev = pageLink(r, "before", out.Meta.BeforeCursor, page.Size)
			}
		}
		return out, nil
	})
}

// pageLink builds an absolute link to the page after or before cursor, in
// the form Sunshine shows (brackets unescaped).
func pageLink(r *http.Request, dir, cursor string, size int) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	link := scheme + "://" + r.Host + "/v2/apps?page[" + dir + "]=" + url.QueryEscape(cursor)
	if size > 0 {
		link += "&page[size]=" + strconv.Itoa(size)
	}
	return link
}

// HandleAppsGet serves GET /v2/apps/{appId}.
func HandleAppsGet(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, http.StatusOK, func(r *http.Request) (any, error) {
		a, err := svc.GetApp(r.Context(), r.PathValue("appId"))
		if err != nil {
			return nil, err
		}
		return appResponse{App: toApp(a)}, nil
	})
}

// HandleAppsUpdate serves PATCH /v2/apps/{appId}.
func HandleAppsUpdate(svc *core.Service, log *slog.Logger) http.Handler {
	return handleBody(log, http.StatusOK, func(r *http.Request, b appBody) (any, error) {
		md, err := b.metadata()
		if err != nil {
			return nil, err
		}
		a, err := svc.UpdateApp(r.Context(), r.PathValue("appId"), core.AppPatch{DisplayName: b.DisplayName, Settings: b.Settings.patch(), Metadata: md})
		if err != nil {
			return nil, err
		}
		return appResponse{App: toApp(a)}, nil
	})
}

// HandleAppsDelete serves DELETE /v2/apps/{appId}.
func HandleAppsDelete(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, http.StatusOK, func(r *http.Request) (any, error) {
		return empty{}, svc.DeleteApp(r.Context(), r.PathValue("appId"))
	})
}

// HandleKeysCreate serves POST /v2/apps/{appId}/keys.
func HandleKeysCreate(svc *core.Service, log *slog.Logger) http.Handler {
	return handleBody(log, http.StatusCreated, func(r *http.Request, b appKeyBody) (any, error) {
		var name string
		if b.DisplayName != nil {
			name = *b.DisplayName
		}
		v, err := svc.CreateAppKey(r.Context(), r.PathValue("appId"), name)
		if err != nil {
			return nil, err
		}
		return appKeyResponse{Key: toAppKey(*v)}, nil
	})
}

// HandleKeysList serves GET /v2/apps/{appId}/keys.
func HandleKeysList(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, http.StatusOK, func(r *http.Request) (any, error) {
		vs, err := svc.ListAppKeys(r.Context(), r.PathValue("appId"))
		if err != nil {
			return nil, err
		}
		return appKeyListResponse{Keys: wireList(vs, toAppKey)}, nil
	})
}

// HandleKeysGet serves GET /v2/apps/{appId}/keys/{keyId}.
func HandleKeysGet(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, http.StatusOK, func(r *http.Request) (any, error) {
		v, err := svc.GetAppKey(r.Context(), r.PathValue("appId"), r.PathValue("keyId"))
		if err != nil {
			return nil, err
		}
		return appKeyResponse{Key: toAppKey(*v)}, nil
	})
}

// HandleKeysDelete serves DELETE /v2/apps/{appId}/keys/{keyId}.
func HandleKeysDelete(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, http.StatusOK, func(r *http.Request) (any, error) {
		return empty{}, svc.DeleteAppKey(r.Context(), r.PathValue("appId"), r.PathValue("keyId"))
	})
}
