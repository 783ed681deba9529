// Command tekton-oracle runs Tekton's own admission checks on YAML files: strict decoding into
// the Go types of tektoncd/pipeline (as its webhook does: DisallowUnknownFields), SetDefaults,
// then Validate in a create context with the default feature flags. It prints one JSON line per
// Tekton resource: the verdict docs/validate.md's corpus measurement compares validate with.
// Usage: go run . FILE_OR_DIR...
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/yaml"
)

type verdict struct {
	File     string `json:"file"`
	Doc      int    `json:"doc"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Version  string `json:"apiVersion"`
	Accepted bool   `json:"accepted"`
	Error    string `json:"error,omitempty"`
}

type object interface {
	apis.Validatable
	apis.Defaultable
}

func newObject(apiVersion, kind string) object {
	switch apiVersion + "/" + kind {
	case "tekton.dev/v1/Task":
		return &v1.Task{}
	case "tekton.dev/v1/Pipeline":
		return &v1.Pipeline{}
	case "tekton.dev/v1/TaskRun":
		return &v1.TaskRun{}
	case "tekton.dev/v1/PipelineRun":
		return &v1.PipelineRun{}
	case "tekton.dev/v1beta1/Task":
		return &v1beta1.Task{}
	case "tekton.dev/v1beta1/Pipeline":
		return &v1beta1.Pipeline{}
	case "tekton.dev/v1beta1/TaskRun":
		return &v1beta1.TaskRun{}
	case "tekton.dev/v1beta1/PipelineRun":
		return &v1beta1.PipelineRun{}
	}
	return nil
}

var separator = regexp.MustCompile(`(?m)^---[ \t]*$`)

var checked = map[string]bool{"Task": true, "ClusterTask": true, "Pipeline": true, "TaskRun": true, "PipelineRun": true}

func main() {
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for _, root := range os.Args[1:] {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			for i, doc := range separator.Split(string(data), -1) {
				j, err := yaml.YAMLToJSON([]byte(doc))
				if err != nil {
					continue // not YAML (a template): not a resource Tekton would see
				}
				var head struct {
					APIVersion string `json:"apiVersion"`
					Kind       string `json:"kind"`
					Metadata   struct {
						Name         string `json:"name"`
						GenerateName string `json:"generateName"`
					} `json:"metadata"`
				}
				if json.Unmarshal(j, &head) != nil || !strings.HasPrefix(head.APIVersion, "tekton.dev/") || !checked[head.Kind] {
					continue
				}
				v := verdict{File: path, Doc: i, Kind: head.Kind, Name: head.Metadata.Name, Version: head.APIVersion}
				if v.Name == "" && head.Metadata.GenerateName != "" {
					// The API server names it before the webhook sees it; validate calls it "<prefix>…".
					v.Name = head.Metadata.GenerateName + "…"
				}
				obj := newObject(head.APIVersion, head.Kind)
				if obj == nil {
					v.Error = fmt.Sprintf("%s %s is not served", head.APIVersion, head.Kind)
					_ = enc.Encode(v)
					continue
				}
				dec := json.NewDecoder(bytes.NewReader(j))
				dec.DisallowUnknownFields()
				if err := dec.Decode(obj); err != nil {
					v.Error = "decode: " + err.Error()
					_ = enc.Encode(v)
					continue
				}
				if m, ok := obj.(interface{ GetObjectMeta() metav1.Object }); ok && m.GetObjectMeta().GetName() == "" {
					if g := m.GetObjectMeta().GetGenerateName(); g != "" {
						m.GetObjectMeta().SetName(g + "x7k2q")
					}
				}
				ctx := apis.WithinCreate(context.Background())
				obj.SetDefaults(ctx)
				if fe := obj.Validate(ctx); fe != nil {
					v.Error = strings.ReplaceAll(fe.Error(), "\n", " | ")
				} else {
					v.Accepted = true
				}
				_ = enc.Encode(v)
			}
			return nil
		})
	}
}
