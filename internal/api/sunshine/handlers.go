package sunshine

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return httpio.DecodeJSON(w, r, bodyLimit, v)
}

// HandleAppsCreate serves POST /v2/apps.
func HandleAppsCreate(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b appBody
		if err := decode(w, r, &b); err != nil {
			writeError(w, r, log, err)
			return
		}
		md, err := b.metadata(false)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		a, err := svc.CreateApp(r.Context(), b.DisplayName, b.Settings.core(), md.Set)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusCreated, appResponse{App: toApp(a)})
	})
}

// HandleAppsList serves GET /v2/apps with cursor pagination.
func HandleAppsList(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("filter[serviceAccountId]") != "" {
			writeError(w, r, log, gatehouse.Err(gatehouse.ReasonServiceAccountMismatch))
			return
		}
		page := gatehouse.AppPage{After: q.Get("page[after]"), Before: q.Get("page[before]")}
		if s := q.Get("page[size]"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				writeError(w, r, log, gatehouse.Err(gatehouse.ReasonBadPage))
				return
			}
			page.Size = n
		}
		list, err := svc.ListApps(r.Context(), page)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		out := appListResponse{Apps: make([]app, 0, len(list.Apps)), Meta: appListMeta{HasMore: list.HasMore}}
		for _, a := range list.Apps {
			out.Apps = append(out.Apps, toApp(a))
		}
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
		httpio.JSON(w, http.StatusOK, out)
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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := svc.GetApp(r.Context(), r.PathValue("appId"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, appResponse{App: toApp(a)})
	})
}

// HandleAppsUpdate serves PATCH /v2/apps/{appId}.
func HandleAppsUpdate(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b appBody
		if err := decode(w, r, &b); err != nil {
			writeError(w, r, log, err)
			return
		}
		md, err := b.metadata(true)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		a, err := svc.UpdateApp(r.Context(), r.PathValue("appId"), core.AppPatch{DisplayName: b.DisplayName, Settings: b.Settings.core(), Metadata: md})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, appResponse{App: toApp(a)})
	})
}

// HandleAppsDelete serves DELETE /v2/apps/{appId}.
func HandleAppsDelete(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := svc.DeleteApp(r.Context(), r.PathValue("appId")); err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, empty{})
	})
}

// HandleKeysCreate serves POST /v2/apps/{appId}/keys.
func HandleKeysCreate(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b appKeyBody
		if err := decode(w, r, &b); err != nil {
			writeError(w, r, log, err)
			return
		}
		name := ""
		if b.DisplayName != nil {
			name = *b.DisplayName
		}
		v, err := svc.CreateAppKey(r.Context(), r.PathValue("appId"), name)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusCreated, appKeyResponse{Key: toAppKey(*v)})
	})
}

// HandleKeysList serves GET /v2/apps/{appId}/keys.
func HandleKeysList(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vs, err := svc.ListAppKeys(r.Context(), r.PathValue("appId"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		out := appKeyListResponse{Keys: make([]appKey, 0, len(vs))}
		for _, v := range vs {
			out.Keys = append(out.Keys, toAppKey(v))
		}
		httpio.JSON(w, http.StatusOK, out)
	})
}

// HandleKeysGet serves GET /v2/apps/{appId}/keys/{keyId}.
func HandleKeysGet(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.GetAppKey(r.Context(), r.PathValue("appId"), r.PathValue("keyId"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, appKeyResponse{Key: toAppKey(*v)})
	})
}

// HandleKeysDelete serves DELETE /v2/apps/{appId}/keys/{keyId}.
func HandleKeysDelete(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := svc.DeleteAppKey(r.Context(), r.PathValue("appId"), r.PathValue("keyId")); err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, empty{})
	})
}
