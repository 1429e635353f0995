//! A signing secret shown once: after a schedule is created or its secret rotated.

use leptos::prelude::*;

/// The secret, with how to use it; it is not shown again.
#[component]
pub fn SecretOnce(secret: String, #[prop(optional)] continue_to: Option<String>) -> impl IntoView {
    view! {
        <div
            id="signing-secret"
            class="mt-6 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm"
        >
            <p class="font-medium text-amber-900">
                "Signing secret: copy it now, it is not shown again"
            </p>
            <code class="secret mt-2 block break-all rounded bg-white p-2 font-mono text-slate-900">
                {secret}
            </code>
            <p class="mt-2 text-amber-900">
                "Every request carries X-Scheduleman-Signature: v1=HMAC-SHA256 of the timestamp, method, URL, "
                "schedule id, execution id, scheduled time and attempt (one per line) and the body, under this secret. "
                "The README shows how a receiver checks it."
            </p>
            {continue_to
                .map(|href| {
                    view! {
                        <a
                            id="continue"
                            href=href
                            class="mt-3 inline-block rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-500"
                        >
                            "Continue to the schedule"
                        </a>
                    }
                })}
        </div>
    }
}
