//! Views that hydrate in one synchronous pass. The router hydrates a lazy page
//! asynchronously (its wasm chunk may still be on its way), and each view type's async
//! hydration is a state machine of its own, compiled besides the synchronous one that an
//! `AnyView` keeps anyway: an eighth of the pages' wasm code (issue 21). Once a page's
//! chunk has arrived nothing inside it waits for code, so a page and the `AnyView`s in it
//! hydrate synchronously: [`IntoAnySync::into_any_sync`] in place of `into_any`.
//!
//! The server's HTML is unchanged (the wrapper renders exactly what it wraps); only the
//! browser's hydration takes the other, equivalent, path.

use leptos::prelude::*;
use leptos::tachys::html::attribute::any_attribute::AnyAttribute;
use leptos::tachys::html::attribute::Attribute;
use leptos::tachys::hydration::Cursor;
use leptos::tachys::ssr::StreamBuilder;
use leptos::tachys::view::add_attr::AddAnyAttr;
use leptos::tachys::view::{Position, PositionState, Render, RenderHtml};

/// A view whose `hydrate_async` is its synchronous `hydrate` (the trait's default).
#[derive(Debug, Clone)]
pub struct SyncHydrated<V>(V);

/// `into_any` for views that contain no lazy route.
pub trait IntoAnySync {
    /// Erases the view's type, as `into_any` does, hydrating it synchronously.
    fn into_any_sync(self) -> AnyView;
}

impl<V: IntoView + 'static> IntoAnySync for V {
    #[allow(clippy::disallowed_methods)] // the one place that erases a view
    fn into_any_sync(self) -> AnyView {
        SyncHydrated(self).into_any()
    }
}

impl<V: Render> Render for SyncHydrated<V> {
    type State = V::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state)
    }
}

impl<V: RenderHtml> RenderHtml for SyncHydrated<V> {
    type AsyncOutput = SyncHydrated<V::AsyncOutput>;
    type Owned = SyncHydrated<V::Owned>;

    const MIN_LENGTH: usize = V::MIN_LENGTH;
    const EXISTS: bool = V::EXISTS;

    fn dry_resolve(&mut self) {
        self.0.dry_resolve();
    }

    async fn resolve(self) -> Self::AsyncOutput {
        SyncHydrated(self.0.resolve().await)
    }

    fn html_len(&self) -> usize {
        self.0.html_len()
    }

    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0
            .to_html_with_buf(buf, position, escape, mark_branches, extra_attrs);
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        self.0.to_html_async_with_buf::<OUT_OF_ORDER>(
            buf,
            position,
            escape,
            mark_branches,
            extra_attrs,
        );
    }

    fn hydrate<const FROM_SERVER: bool>(
        self,
        cursor: &Cursor,
        position: &PositionState,
    ) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    fn into_owned(self) -> Self::Owned {
        SyncHydrated(self.0.into_owned())
    }
}

impl<V: AddAnyAttr> AddAnyAttr for SyncHydrated<V> {
    type Output<SomeNewAttr: Attribute> = SyncHydrated<V::Output<SomeNewAttr>>;

    fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        SyncHydrated(self.0.add_any_attr(attr))
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    /// The server's HTML must be what the wrapped view renders: hydration walks it.
    #[test]
    #[allow(clippy::disallowed_methods)] // what the wrapper is compared with
    fn a_wrapped_view_renders_exactly_the_html_it_wraps() {
        let owner = Owner::new();
        owner.set();
        let count = RwSignal::new(2);
        let make = move || {
            view! {
                <p class="note">"fires " {move || count.get()} " times" <b>"today"</b></p>
                {move || (count.get() > 1).then(|| view! { <i>"often"</i> })}
            }
        };
        assert_eq!(
            make().into_any_sync().to_html(),
            make().into_any().to_html()
        );
        // Branch markers (used only by the islands router) name each erased type's id.
        let without_type_ids = |html: String| {
            html.split("TypeId(")
                .map(|part| part.split_once(')').map_or(part, |(_, rest)| rest))
                .collect::<Vec<_>>()
                .join("TypeId")
        };
        assert_eq!(
            without_type_ids(make().into_any_sync().to_html_branching()),
            without_type_ids(make().into_any().to_html_branching())
        );
        assert!(make().into_any_sync().to_html().contains("<i>often</i>"));
    }
}
