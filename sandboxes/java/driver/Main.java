// Stands for the tests' class while prepare.sh compiles Driver; its class file is deleted.
package humaneval_x.test;

final class Main {
    static void main(String[] args) {
    }
}
