//! The private PostgreSQL: started from the installed binaries, reused, and kept.

use scheduleman::store::{self, DatabaseLocation, LocalPostgres};
use sqlx::Connection;

#[tokio::test]
async fn a_private_server_starts_is_reused_and_keeps_its_data() {
    let throwaway = LocalPostgres::start_throwaway().expect("start a throwaway PostgreSQL");
    let dir = throwaway.data_dir().to_path_buf();
    let location = DatabaseLocation::Local(dir.clone());

    // connect() creates Scheduleman's database inside it; a table made now must survive.
    let database = store::connect(&location, 2).await.expect("connect");
    sqlx::query("CREATE TABLE kept (value int)")
        .execute(&database.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO kept VALUES (42)")
        .execute(&database.pool)
        .await
        .unwrap();
    database.pool.close().await;

    // A second start while it runs attaches to the same server.
    let again = LocalPostgres::start(&dir).expect("attach");
    assert_eq!(again.port(), throwaway.port());

    // Stopped and started again: the data is still there.
    LocalPostgres::stop(&dir).expect("stop");
    let restarted = LocalPostgres::start(&dir).expect("restart");
    let mut conn = sqlx::PgConnection::connect(
        &restarted.url(scheduleman::store::local_postgres::DATABASE_NAME),
    )
    .await
    .expect("connect after restart");
    let value: i32 = sqlx::query_scalar("SELECT value FROM kept")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(value, 42);
    conn.close().await.unwrap();
    drop(throwaway); // stops the server and deletes the directory
    assert!(!dir.exists());
}
