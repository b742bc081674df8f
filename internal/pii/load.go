package pii

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"estateclub/internal/apperr"
)

// EnvVar is the environment variable that holds the master secret.
const EnvVar = "ESTATECLUB_KEY"

// Source tells where LoadKeys found the master secret, so start-up can log
// it clearly.
type Source int

// Where the master secret came from.
const (
	SourceEnv     Source = iota + 1 // ESTATECLUB_KEY
	SourceFile                      // an existing key file in the data dir
	SourceCreated                   // a key file created just now
)

// String returns "env", "file" or "created".
func (s Source) String() string {
	switch s {
	case SourceEnv:
		return "env"
	case SourceFile:
		return "file"
	case SourceCreated:
		return "created"
	}
	return fmt.Sprintf("Source(%d)", int(s))
}

// Describe is the start-up log line for the source. A created key gets a
// loud warning: it is the only way to read member data, and it must be
// backed up apart from the database.
func (s Source) Describe(dataDir string) string {
	switch s {
	case SourceEnv:
		return "member data key taken from " + EnvVar
	case SourceFile:
		return "member data key read from " + KeyFilePath(dataDir)
	case SourceCreated:
		return "created a new member data key at " + KeyFilePath(dataDir) +
			" — back it up now, apart from database backups; without it member data cannot be read"
	}
	return s.String()
}

// LoadKeysFor is LoadKeys for a database that remembers the fingerprint
// (Keys.ID) of the key it was written with, "" for a new database. A database
// with a fingerprint needs its own key: without ESTATECLUB_KEY or a key file
// it is refused and nothing is created, since a new key file beside a
// database it cannot read would only mislead the next start and the backups.
func LoadKeysFor(env, dataDir, fingerprint string) (*Keys, Source, error) {
	if env != "" || fingerprint == "" || dataDir == "" {
		return LoadKeys(env, dataDir)
	}
	master, err := readKeyFile(KeyFilePath(dataDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, &apperr.Error{Code: apperr.Invalid, Field: EnvVar,
			ZH: fmt.Sprintf("此数据库的个人信息由指纹为 %s 的密钥加密，但未提供密钥：请设置 %s，或把密钥文件放到 %s（未创建新密钥）",
				fingerprint, EnvVar, KeyFilePath(dataDir)),
			EN: fmt.Sprintf("this database's personal data is encrypted with the key of fingerprint %s and no key is given: "+
				"set %s or put the key file at %s (no new key was created)", fingerprint, EnvVar, KeyFilePath(dataDir))}
	}
	if err != nil {
		return nil, 0, err
	}
	return keysFrom(master, SourceFile)
}

// LoadKeys finds the master secret and derives the Keys. env is the value of
// ESTATECLUB_KEY: if set, it must be 32 bytes as 64 hex characters or as
// base64 (standard or URL alphabet, padded or not). Otherwise the key file
// KeyFilePath(dataDir) is read (same encoding; it must not be accessible by
// group or others), or, on first start, created with 32 random bytes and
// mode 0600. Concurrent first starts agree on one key.
func LoadKeys(env, dataDir string) (*Keys, Source, error) {
	if env != "" {
		master, err := parseKey(env)
		if err != nil {
			return nil, 0, &apperr.Error{
				Code:  apperr.Invalid,
				Field: EnvVar,
				ZH:    EnvVar + " 必须是 32 字节密钥的 base64 或 64 位十六进制：" + err.Error(),
				EN:    EnvVar + " must be a 32-byte key as base64 or 64 hex characters: " + err.Error(),
			}
		}
		return keysFrom(master, SourceEnv)
	}
	if dataDir == "" {
		return nil, 0, apperr.New(apperr.Invalid,
			"未设置 "+EnvVar+" 也未指定数据目录，无法找到会员数据密钥",
			"neither "+EnvVar+" nor a data dir is set; cannot find the member data key")
	}
	master, src, err := loadOrCreateFile(KeyFilePath(dataDir))
	if err != nil {
		return nil, 0, err
	}
	return keysFrom(master, src)
}

func keysFrom(master []byte, src Source) (*Keys, Source, error) {
	defer clear(master)
	k, err := NewKeys(master)
	if err != nil {
		return nil, 0, err
	}
	return k, src, nil
}

// parseKey decodes a master secret. Its errors never quote the input, which
// is a secret even when malformed.
func parseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%d characters but not valid hex", len(s))
		}
		return b, nil
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != KeySize {
			return nil, fmt.Errorf("decodes to %d bytes, want %d", len(b), KeySize)
		}
		return b, nil
	}
	return nil, fmt.Errorf("neither 64 hex characters nor base64 (%d characters given)", len(s))
}
