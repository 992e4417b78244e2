//! `hisar init --from-openapi`: a registry to start from, written from the backend's OpenAPI
//! document (the generator is `hisar_import::openapi`; this reads the document and writes the
//! file).

use std::io::Write as _;
use std::path::Path;

use anyhow::anyhow;
use hisar_core::Registry;
use hisar_import::openapi::{InitOptions, init_from_openapi, parse_document};
use hisar_probe::{HttpOptions, HttpProbe};

use crate::args::InitArgs;
use crate::commands::import::read_regular;
use crate::context::write_atomic;
use crate::exit::{Exit, Outcome, invalid, usage};
use crate::ui::Ui;

fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

/// `scheme://host[:port]` of a URL.
fn origin(url: &str) -> Option<String> {
    let start = url.find("://")? + 3;
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    Some(url[..end].to_owned())
}

pub(crate) async fn init(args: &InitArgs, ui: Ui) -> Outcome {
    let source = args.from_openapi.as_str();
    let to_stdout = args.out.as_os_str() == "-";
    if !to_stdout && !args.force && args.out.exists() {
        return Err(usage(anyhow!(
            "{} exists: pass --force to replace it, or --out another file",
            args.out.display()
        )));
    }
    let mut auth_headers = Vec::new();
    for header in &args.auth_header {
        let Some((name, value)) = header.split_once(':') else {
            // The text is not echoed: it may be a bare secret.
            return Err(usage(anyhow!(
                "--auth-header: write it as `NAME: VALUE` (the value best as `${{VAR}}`)"
            )));
        };
        let name = name.trim();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(usage(anyhow!(
                "--auth-header: {name:?} is not a header name"
            )));
        }
        let value = value.trim();
        if !value.contains("${") {
            ui.warn(&format!(
                "--auth-header {name}: the value is written to the registry as given; write `${{VAR}}` to keep a secret in the environment"
            ));
        }
        auth_headers.push((name.to_owned(), value.to_owned()));
    }
    let text = if is_url(source) {
        let http = HttpProbe::new(HttpOptions::default()).map_err(invalid)?;
        http.get_text(source)
            .await
            .map_err(|e| usage(anyhow!("fetch {source}: {e}")))?
    } else {
        let path = Path::new(source);
        read_regular(path, ui)?
            .ok_or_else(|| usage(anyhow!("read {source}: no such regular file")))?
    };
    let doc = parse_document(&text).map_err(|e| usage(anyhow!("{source}: {e}")))?;

    let routes = if is_url(source) || to_stdout {
        source.to_owned()
    } else {
        // The registry names its route table relative to itself.
        let out_dir = crate::context::registry_dir(&args.out);
        match (std::path::absolute(source), std::path::absolute(&out_dir)) {
            (Ok(file), Ok(dir)) => pathdiff::diff_paths(&file, &dir)
                .map_or_else(|| source.to_owned(), |p| p.display().to_string()),
            _ => source.to_owned(),
        }
    };
    let options = InitOptions {
        base_url: args
            .base_url
            .clone()
            .or_else(|| is_url(source).then(|| origin(source)).flatten()),
        routes: Some(routes),
        source: Some(source.to_owned()),
        auth_headers,
    };
    let init = init_from_openapi(&doc, &options).map_err(|e| usage(anyhow!("{source}: {e}")))?;
    // What is written must load: a generator bug never leaves a registry that does not.
    if let Err(e) = Registry::from_yaml(&init.yaml, &args.out.display().to_string()) {
        return Err(invalid(anyhow!(
            "the registry generated from {source} does not load (a bug in hisar init): {e}"
        )));
    }
    for warning in &init.warnings {
        ui.warn(warning);
    }
    if to_stdout {
        crate::ui::stdout()
            .write_all(init.yaml.as_bytes())
            .map_err(|e| invalid(anyhow!(e)))?;
    } else {
        write_atomic(&args.out, |w| w.write_all(init.yaml.as_bytes())).map_err(usage)?;
    }
    let out = if to_stdout {
        "stdout".to_owned()
    } else {
        args.out.display().to_string()
    };
    ui.line(&format!(
        "wrote {out}: {} panel{} in {} domain{} from {source}; {} path parameter{} bound to a list, {} warning{}",
        init.panels,
        plural(init.panels),
        init.domains,
        plural(init.domains),
        init.bound_params,
        plural(init.bound_params),
        init.warnings.len(),
        plural(init.warnings.len()),
    ));
    if !to_stdout {
        ui.line(&format!(
            "next: read the comments in {out}, then hisar validate {out} && hisar sweep -r {out}"
        ));
    }
    Ok(Exit::Pass)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
