//! Loading the component and instantiating it with the host's imports.

use std::path::Path;
use std::sync::Arc;

use asm_core::Env;
use asm_core::sql::Executor;
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings;
use crate::store::ComponentStore;
use crate::wasi::wasi_ctx;

/// What one instance's wasmtime store holds: the executor behind the `executor` import, the
/// runtime that drives its futures, and the instance's WASI context.
pub struct HostState<E> {
    pub(crate) executor: E,
    pub(crate) runtime: Arc<tokio::runtime::Runtime>,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl<E: Send> WasiView for HostState<E> {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// Compiles the component at `path` (a `wasm32-wasip2` build of `hosts/component`). Compile
/// once and share the [`Component`] between hosts of different executor types.
pub fn compile(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    Component::from_file(engine, path)
}

/// The compiled component, linked with the host's imports for executors of type `E`; makes a
/// fresh [`ComponentStore`] (a fresh instance) per database.
pub struct ComponentHost<E: 'static> {
    engine: Engine,
    pre: bindings::StorePre<HostState<E>>,
}

impl<E: Executor + Send + 'static> ComponentHost<E> {
    /// Links WASI 0.2 and the `executor` import, and pre-instantiates `component`.
    pub fn new(engine: &Engine, component: &Component) -> wasmtime::Result<ComponentHost<E>> {
        let mut linker = Linker::<HostState<E>>::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        bindings::Store::add_to_linker::<HostState<E>, HasSelf<HostState<E>>>(&mut linker, |s| s)?;
        let pre = bindings::StorePre::new(linker.instantiate_pre(component)?)?;
        Ok(ComponentHost { engine: engine.clone(), pre })
    }

    /// A new instance over `executor` (whose database must be migrated), with `env` as the
    /// component's wall clock and random source; `runtime` drives the executor's futures.
    pub fn instantiate(
        &self,
        executor: E,
        env: &Env,
        runtime: Arc<tokio::runtime::Runtime>,
    ) -> wasmtime::Result<ComponentStore<E>> {
        let state =
            HostState { executor, runtime, wasi: wasi_ctx(env), table: ResourceTable::new() };
        let mut store = Store::new(&self.engine, state);
        let world = self.pre.instantiate(&mut store)?;
        Ok(ComponentStore::new(store, world))
    }
}
