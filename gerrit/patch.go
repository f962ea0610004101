package gerrit

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
)

// Patch returns the current revision of the change as an mbox patch
// (From …, Subject: [PATCH] …, diff). go-gerrit's GetPatch JSON-decodes the
// base64 text Gerrit sends and fails, so this reads the raw body and decodes it.
func (c *Client) Patch(ctx context.Context, ch *Change) ([]byte, error) {
	rev := ch.CurrentRevision
	if rev == "" {
		rev = "current"
	}
	action := fmt.Sprintf("download the patch of change %d", ch.Number)
	req, err := c.api.NewRequest(ctx, http.MethodGet, "changes/"+changeID(ch)+"/revisions/"+rev+"/patch", nil)
	if err != nil {
		return nil, fmt.Errorf("gerrit: %s: %v", action, err)
	}
	var buf bytes.Buffer
	resp, err := c.api.Do(req, &buf)
	if err := c.fail(ctx, action, resp, err); err != nil {
		if isNotFound(err) {
			return nil, &NotFoundError{Ref: fmt.Sprintf("%d revision %s", ch.Number, rev), Host: c.base.Host, User: c.user}
		}
		return nil, err
	}
	raw := bytes.Join(bytes.Fields(buf.Bytes()), nil) // base64 may come wrapped
	out := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	n, err := base64.StdEncoding.Decode(out, raw)
	if err != nil {
		return nil, fmt.Errorf("gerrit at %s: %s: the answer is not base64 (%v); is gerrit.url the REST base?", c.base.Host, action, err)
	}
	return out[:n], nil
}
