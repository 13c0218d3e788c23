package image

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// TokenGetter is the part of the ECR client a login needs.
type TokenGetter interface {
	GetAuthorizationToken(ctx context.Context, in *ecr.GetAuthorizationTokenInput, opts ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
}

// ECRLogin exchanges AWS credentials for registry credentials. It returns the
// registry host (e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com) and an
// authenticator for it.
func ECRLogin(ctx context.Context, api TokenGetter) (string, authn.Authenticator, error) {
	out, err := api.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return "", nil, fmt.Errorf("ecr GetAuthorizationToken: %w", err)
	}
	if len(out.AuthorizationData) == 0 || out.AuthorizationData[0].AuthorizationToken == nil {
		return "", nil, errors.New("ecr GetAuthorizationToken returned no token")
	}
	d := out.AuthorizationData[0]
	raw, err := base64.StdEncoding.DecodeString(*d.AuthorizationToken)
	if err != nil {
		return "", nil, fmt.Errorf("ecr token: %w", err)
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", nil, errors.New("ecr token is not user:password")
	}
	host := ""
	if d.ProxyEndpoint != nil {
		host = strings.TrimPrefix(strings.TrimPrefix(*d.ProxyEndpoint, "https://"), "http://")
	}
	return host, &authn.Basic{Username: user, Password: pass}, nil
}

// PushResult says what Push did.
type PushResult struct {
	Ref    string
	Digest v1.Hash
	Pushed bool // false: the tag already existed with this digest
}

// Push uploads idx as repo:tag. Tags are immutable: when the tag already
// exists nothing is pushed, and a different digest under it is an error.
func Push(ctx context.Context, idx v1.ImageIndex, repo, tag string, opts ...remote.Option) (PushResult, error) {
	ref, err := name.NewTag(repo+":"+tag, name.StrictValidation)
	if err != nil {
		return PushResult{}, err
	}
	want, err := idx.Digest()
	if err != nil {
		return PushResult{}, err
	}
	res := PushResult{Ref: ref.String(), Digest: want}
	opts = append([]remote.Option{remote.WithContext(ctx)}, opts...)
	got, err := remote.Head(ref, opts...)
	var terr *transport.Error
	switch {
	case err == nil:
		if got.Digest != want {
			return res, fmt.Errorf("%s already exists with digest %s, not %s (tags are immutable)", ref, got.Digest, want)
		}
		return res, nil
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound:
	default:
		return res, fmt.Errorf("check %s: %w", ref, err)
	}
	if err := remote.WriteIndex(ref, idx, opts...); err != nil {
		return res, fmt.Errorf("push %s: %w", ref, err)
	}
	res.Pushed = true
	return res, nil
}
