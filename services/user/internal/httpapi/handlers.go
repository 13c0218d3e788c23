package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/user/internal/user"
)

const (
	refreshCookie = "refresh_token"
	cookiePath    = Prefix + "/auth"
)

func (a *API) jwksDoc(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, a.jwks)
}

func (a *API) setRefreshCookie(c echo.Context, s user.Session) {
	c.SetCookie(&http.Cookie{Name: refreshCookie, Value: s.RefreshToken, Path: cookiePath,
		Expires: s.RefreshExpiresAt, MaxAge: int(time.Until(s.RefreshExpiresAt).Seconds()),
		HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteStrictMode})
}

func (a *API) clearRefreshCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: refreshCookie, Value: "", Path: cookiePath, MaxAge: -1,
		HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteStrictMode})
}

func (a *API) sendSession(c echo.Context, status int, s user.Session) error {
	a.setRefreshCookie(c, s)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(status, sessionDTO{User: toUserDTO(s.User), AccessToken: s.AccessToken, TokenType: "Bearer",
		ExpiresIn: int(time.Until(s.AccessExpiresAt).Round(time.Second).Seconds()), RefreshToken: s.RefreshToken})
}

func (a *API) signup(c echo.Context) error {
	var in signupRequest
	if err := server.BindJSON(c, &in); err != nil {
		return err
	}
	s, err := a.users.Signup(c.Request().Context(), user.SignupInput{Username: in.Username, Email: in.Email, Password: in.Password}, c.RealIP())
	if err != nil {
		return err
	}
	return a.sendSession(c, http.StatusCreated, s)
}

func (a *API) login(c echo.Context) error {
	var in loginRequest
	if err := server.BindJSON(c, &in); err != nil {
		return err
	}
	s, err := a.users.Login(c.Request().Context(), in.Identifier, in.Password, c.RealIP())
	if err != nil {
		return err
	}
	return a.sendSession(c, http.StatusOK, s)
}

// refreshToken takes the token from a JSON body when there is one, else from
// the cookie.
func refreshToken(c echo.Context) (string, error) {
	req := c.Request()
	if req.ContentLength != 0 && req.Body != http.NoBody {
		var in refreshRequest
		if err := server.BindJSON(c, &in); err != nil {
			return "", err
		}
		if in.RefreshToken != "" {
			return in.RefreshToken, nil
		}
	}
	if ck, err := c.Cookie(refreshCookie); err == nil {
		return ck.Value, nil
	}
	return "", nil
}

func (a *API) refresh(c echo.Context) error {
	tok, err := refreshToken(c)
	if err != nil {
		return err
	}
	if tok == "" {
		return httperr.Unauthenticated("a refresh token is required (body or cookie)")
	}
	s, err := a.users.Refresh(c.Request().Context(), tok)
	if err != nil {
		if errors.Is(err, user.ErrRefreshInvalid) || errors.Is(err, user.ErrRefreshReused) {
			a.clearRefreshCookie(c)
		}
		return err
	}
	return a.sendSession(c, http.StatusOK, s)
}

func (a *API) logout(c echo.Context) error {
	tok, err := refreshToken(c)
	if err != nil {
		return err
	}
	if err := a.users.Logout(c.Request().Context(), tok); err != nil {
		return err
	}
	a.clearRefreshCookie(c)
	return c.NoContent(http.StatusNoContent)
}

// self loads the caller; an account deleted while its access token lives
// is no longer a principal.
func (a *API) self(c echo.Context) (user.User, error) {
	u, err := a.users.Get(c.Request().Context(), auth.ClaimsFrom(c).UserID())
	if errors.Is(err, user.ErrNotFound) {
		return user.User{}, httperr.Unauthenticated("this account no longer exists")
	}
	return u, err
}

func (a *API) me(c echo.Context) error {
	u, err := a.self(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUserDTO(u))
}

func (a *API) updateMe(c echo.Context) error {
	var in profileRequest
	if err := server.BindJSON(c, &in); err != nil {
		return err
	}
	u, err := a.users.UpdateProfile(c.Request().Context(), auth.ClaimsFrom(c).UserID(), user.ProfileUpdate{
		Username: in.Username, DisplayName: in.DisplayName, Bio: in.Bio, PreferredLanguage: in.PreferredLanguage})
	if errors.Is(err, user.ErrNotFound) {
		return httperr.Unauthenticated("this account no longer exists")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUserDTO(u))
}

func (a *API) changePassword(c echo.Context) error {
	var in passwordRequest
	if err := server.BindJSON(c, &in); err != nil {
		return err
	}
	cl := auth.ClaimsFrom(c)
	err := a.users.ChangePassword(c.Request().Context(), cl.UserID(), cl.SessionID, in.CurrentPassword, in.NewPassword)
	if errors.Is(err, user.ErrNotFound) {
		return httperr.Unauthenticated("this account no longer exists")
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) deleteMe(c echo.Context) error {
	err := a.users.Delete(c.Request().Context(), auth.ClaimsFrom(c).UserID())
	if errors.Is(err, user.ErrNotFound) {
		return httperr.Unauthenticated("this account no longer exists")
	}
	if err != nil {
		return err
	}
	a.clearRefreshCookie(c)
	return c.NoContent(http.StatusNoContent)
}

func (a *API) profile(c echo.Context) error {
	u, err := a.users.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPublicDTO(u, auth.ClaimsFrom(c).Role == auth.RoleAdmin))
}

func (a *API) list(c echo.Context) error {
	var q listQuery
	if err := (&echo.DefaultBinder{}).BindQueryParams(c, &q); err != nil {
		return httperr.Validation(httperr.FieldError{Field: "page", Message: "page and limit must be whole numbers"})
	}
	if err := c.Validate(&q); err != nil {
		return err
	}
	if q.Page == 0 {
		q.Page = 1
	}
	if q.Limit == 0 {
		q.Limit = 20
	}
	users, total, err := a.users.List(c.Request().Context(), q.Query, q.Page, q.Limit)
	if err != nil {
		return err
	}
	out := listDTO{Items: make([]userDTO, len(users)), Total: total, Page: q.Page, Limit: q.Limit}
	for i, u := range users {
		out.Items[i] = toUserDTO(u)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) setRole(c echo.Context) error {
	var in roleRequest
	if err := server.BindJSON(c, &in); err != nil {
		return err
	}
	u, err := a.users.SetRole(c.Request().Context(), c.Param("id"), in.Role)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUserDTO(u))
}

func (a *API) internalUser(c echo.Context) error {
	u, err := a.users.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPublicDTO(u, true))
}
