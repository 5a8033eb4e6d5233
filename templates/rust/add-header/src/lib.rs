// {{name}}: adds "x-{{name}}: <plugin configuration>" to every response and
// logs the path of each request. Written with the Rust Proxy-Wasm SDK (the
// proxy-wasm crate, 0.2).
use log::info;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Trace);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(AddHeaderRoot { value: String::new() }) });
}}

struct AddHeaderRoot {
    value: String,
}

impl Context for AddHeaderRoot {}

impl RootContext for AddHeaderRoot {
    fn on_configure(&mut self, _plugin_configuration_size: usize) -> bool {
        self.value = self
            .get_plugin_configuration()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default();
        // An empty configuration still shows the filter ran.
        if self.value.is_empty() {
            self.value = "hello".to_string();
        }
        true
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(AddHeader { value: self.value.clone() }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct AddHeader {
    value: String,
}

impl Context for AddHeader {}

impl HttpContext for AddHeader {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let path = self.get_http_request_header(":path").unwrap_or_default();
        info!("request {}", path);
        Action::Continue
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        self.add_http_response_header("x-{{name}}", &self.value);
        Action::Continue
    }
}
