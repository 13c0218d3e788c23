package httpapi

import (
	"time"

	"github.com/peerprep/peerprep/services/user/internal/user"
)

type signupRequest struct {
	Username string `json:"username" validate:"required"`
	Email    string `json:"email" validate:"required"`
	Password string `json:"password" validate:"required"`
}

type loginRequest struct {
	Identifier string `json:"identifier" validate:"required,max=254"`
	Password   string `json:"password" validate:"required,max=128"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token" validate:"max=256"`
}

type profileRequest struct {
	Username          *string `json:"username"`
	DisplayName       *string `json:"display_name"`
	Bio               *string `json:"bio"`
	PreferredLanguage *string `json:"preferred_language"`
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password" validate:"required,max=128"`
	NewPassword     string `json:"new_password" validate:"required"`
}

type roleRequest struct {
	Role string `json:"role" validate:"required,oneof=user admin"`
}

type listQuery struct {
	Query string `query:"query" validate:"max=100"`
	Page  int    `query:"page" validate:"gte=0,lte=100000"`
	Limit int    `query:"limit" validate:"gte=0,lte=100"`
}

// userDTO is the caller's own account, or any account for an admin.
type userDTO struct {
	ID                string    `json:"id"`
	Username          string    `json:"username"`
	Email             string    `json:"email"`
	DisplayName       string    `json:"display_name"`
	Bio               string    `json:"bio"`
	PreferredLanguage string    `json:"preferred_language"`
	Role              string    `json:"role"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

func toUserDTO(u user.User) userDTO {
	return userDTO{ID: u.ID, Username: u.Username, Email: u.Email, DisplayName: u.DisplayName, Bio: u.Bio,
		PreferredLanguage: u.PreferredLanguage, Role: u.Role, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// publicDTO is what any signed-in user sees of another; admins also get
// email and role.
type publicDTO struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email,omitempty"`
	Role        string `json:"role,omitempty"`
}

func toPublicDTO(u user.User, admin bool) publicDTO {
	p := publicDTO{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName}
	if admin {
		p.Email, p.Role = u.Email, u.Role
	}
	return p
}

type sessionDTO struct {
	User         userDTO `json:"user"`
	AccessToken  string  `json:"access_token"`
	TokenType    string  `json:"token_type"`
	ExpiresIn    int     `json:"expires_in"`
	RefreshToken string  `json:"refresh_token"`
}

type listDTO struct {
	Items []userDTO `json:"items"`
	Total int       `json:"total"`
	Page  int       `json:"page"`
	Limit int       `json:"limit"`
}
