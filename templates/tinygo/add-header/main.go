// {{name}}: adds "x-{{name}}: <plugin configuration>" to every response and
// logs the path of each request. Written with the Go Proxy-Wasm SDK
// (proxy-wasm-go-sdk), compiled with TinyGo.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {
	proxywasm.SetVMContext(&vmContext{})
}

type vmContext struct {
	types.DefaultVMContext
}

func (*vmContext) NewPluginContext(contextID uint32) types.PluginContext {
	return &pluginContext{}
}

type pluginContext struct {
	types.DefaultPluginContext
	value string
}

func (p *pluginContext) OnPluginStart(pluginConfigurationSize int) types.OnPluginStartStatus {
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogCriticalf("reading the plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	p.value = string(data)
	// An empty configuration still shows the filter ran.
	if p.value == "" {
		p.value = "hello"
	}
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(contextID uint32) types.HttpContext {
	return &httpContext{value: p.value}
}

type httpContext struct {
	types.DefaultHttpContext
	value string
}

func (h *httpContext) OnHttpRequestHeaders(numHeaders int, endOfStream bool) types.Action {
	path, _ := proxywasm.GetHttpRequestHeader(":path")
	proxywasm.LogInfof("request %s", path)
	return types.ActionContinue
}

func (h *httpContext) OnHttpResponseHeaders(numHeaders int, endOfStream bool) types.Action {
	if err := proxywasm.AddHttpResponseHeader("x-{{name}}", h.value); err != nil {
		proxywasm.LogErrorf("adding the response header: %v", err)
	}
	return types.ActionContinue
}
