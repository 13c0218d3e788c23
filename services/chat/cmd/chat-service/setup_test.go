package main

import (
	"context"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

type discardRedisLog struct{}

func (discardRedisLog) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	// Outage tests make go-redis complain on stderr about refused dials.
	redis.SetLogger(discardRedisLog{})
	os.Exit(m.Run())
}
